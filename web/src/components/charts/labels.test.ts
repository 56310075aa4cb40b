import { describe, expect, it } from "vitest";
import { categoryAxisWidth, categoryLayout, fitLabel, rowsHeight, textWidth } from "./labels";

describe("chart labels", () => {
  it("keeps a label that fits and cuts one that does not to fit, with an ellipsis", () => {
    expect(fitLabel("Enquiry", 200)).toBe("Enquiry");
    const cut = fitLabel("Consultation booked", 60);
    expect(cut.endsWith("…")).toBe(true);
    expect(textWidth(cut)).toBeLessThanOrEqual(60);
    // The longest prefix that fits: one more letter would not.
    const prefix = cut.slice(0, -1);
    expect(textWidth(`${"Consultation booked".slice(0, prefix.length + 1)}…`)).toBeGreaterThan(60);
  });

  it("never cuts before a space nor below one letter", () => {
    expect(fitLabel("Supermercados Atlántico", textWidth("Supermercados A…") - 1)).toBe("Supermercados…");
    expect(fitLabel("Enquiry", 1)).toBe("E…");
  });

  it("lays categories out in columns only while each has room for its name", () => {
    expect(categoryLayout(800, 4)).toBe("columns");
    expect(categoryLayout(255, 4)).toBe("rows");
    expect(categoryLayout(800, 12)).toBe("rows");
    expect(categoryLayout(0, 0)).toBe("columns");
  });

  it("sizes a name axis to its longest name, up to 40% of the chart", () => {
    const names = ["Web form", "Cold outbound"];
    expect(categoryAxisWidth(names, 1000)).toBe(Math.ceil(textWidth("Cold outbound") + 8));
    expect(categoryAxisWidth(["A name far too long to sit beside a bar on a phone"], 320)).toBe(128);
    expect(rowsHeight(2)).toBe(160);
    expect(rowsHeight(10)).toBe(392);
  });
});
