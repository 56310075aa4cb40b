import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { axisLabels, stubChartBoxes } from "@/components/charts/chartBoxStub";
import { textWidth } from "@/components/charts/labels";
import { PipelineValueChart, type StageBar } from "./PipelineValueChart";

// The demo's patient pipeline: two names too long to sit under a phone-width column.
const STAGES: StageBar[] = [
  { name: "Enquiry", count: 3, amount: 8200 },
  { name: "Consultation booked", count: 1, amount: 600 },
  { name: "Treatment plan", count: 2, amount: 8100 },
  { name: "Proposal sent", count: 4, amount: 18040 },
];

const { setChartWidth, resizeChart } = stubChartBoxes();

function renderAt(width: number, rows = STAGES) {
  setChartWidth(width);
  render(<PipelineValueChart rows={rows} currency="EUR" />);
  return screen.getByRole("img");
}

describe("PipelineValueChart", () => {
  it("draws columns with the stage names under them on a wide card", () => {
    const chart = renderAt(700);
    expect(chart).toHaveAttribute("data-chart-layout", "columns");
    expect(axisLabels(chart, "x")).toEqual(STAGES.map((s) => s.name));
  });

  it("turns into rows with names beside the bars on a phone, cut to fit, full in the label", () => {
    // A 375 px screen leaves the card's chart 311 px: four columns of 62 px would overlap.
    const chart = renderAt(311);
    expect(chart).toHaveAttribute("data-chart-layout", "rows");
    const names = axisLabels(chart, "y");
    expect(names).toHaveLength(STAGES.length);
    expect(names).toContain("Enquiry");
    // 40% of 311 px holds at most 124 px of name: "Consultation booked" is cut, with an ellipsis.
    const cut = names.find((name) => name.startsWith("Consult"));
    expect(cut).toMatch(/^Consultation b?\S*…$/);
    for (const name of names) expect(textWidth(name)).toBeLessThanOrEqual(124 - 8);
    // Screen readers get every full name and value.
    expect(chart).toHaveAccessibleName(expect.stringContaining("Consultation booked: €600"));
    // Rows grow downwards instead of crowding: 36 px a stage plus the value axis.
    expect(chart).toHaveStyle({ height: `${4 * 36 + 32}px` });
  });

  it("switches layout when its card narrows and widens", () => {
    const chart = renderAt(900);
    expect(chart).toHaveAttribute("data-chart-layout", "columns");
    resizeChart(chart, 320);
    expect(chart).toHaveAttribute("data-chart-layout", "rows");
    resizeChart(chart, 900);
    expect(chart).toHaveAttribute("data-chart-layout", "columns");
  });

  it("uses rows on a wide card too when a long pipeline leaves each column too little room", () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ name: `Stage ${i + 1}`, count: 1, amount: 100 * (i + 1) }));
    expect(renderAt(900, many)).toHaveAttribute("data-chart-layout", "rows");
  });
});
