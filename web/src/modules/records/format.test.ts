import { describe, expect, it } from "vitest";
import { EMPTY, formatCustomValue, formatScore, formatTotal } from "./format";

describe("record formatting", () => {
  it("labels an estimated total as such", () => {
    expect(formatTotal({ value: 1234, exact: true }, "contact", "contacts")).toBe(`${(1234).toLocaleString()} contacts`);
    expect(formatTotal({ value: 1, exact: true }, "contact", "contacts")).toBe("1 contact");
    expect(formatTotal({ value: 120000, exact: false }, "lead", "leads")).toBe(`about ${(120000).toLocaleString()} leads`);
    expect(formatTotal(null, "lead", "leads")).toBe("");
  });

  it("shows lead scores as whole percentages", () => {
    expect(formatScore(0.834)).toBe("83");
    expect(formatScore(null)).toBe(EMPTY);
  });

  it("formats custom values by type", () => {
    expect(formatCustomValue({ field_type: "boolean", currency: null }, true)).toBe("Yes");
    expect(formatCustomValue({ field_type: "multiselect", currency: null }, ["a", "b"])).toBe("a, b");
    expect(formatCustomValue({ field_type: "text", currency: null }, null)).toBe(EMPTY);
    expect(formatCustomValue({ field_type: "text", currency: null }, { odd: 1 })).toBe('{"odd":1}');
    expect(formatCustomValue({ field_type: "number", currency: null }, "3")).toBe("3");
  });
});
