import { act, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { textWidth } from "@/components/charts/labels";
import { PipelineValueChart, type StageBar } from "./PipelineValueChart";

// The demo's patient pipeline: two names too long to sit under a phone-width column.
const STAGES: StageBar[] = [
  { name: "Enquiry", count: 3, amount: 8200 },
  { name: "Consultation booked", count: 1, amount: 600 },
  { name: "Treatment plan", count: 2, amount: 8100 },
  { name: "Proposal sent", count: 4, amount: 18040 },
];

// jsdom lays nothing out: the chart's box reports the width a test gives it (everything else stays
// 0 wide, as in jsdom), and a test resizes it through the ResizeObserver watching it.
let boxWidth = 0;
const observed = new Map<Element, ResizeObserverCallback>();
const isChartBox = (el: Element) => el.getAttribute("role") === "img";
beforeEach(() => {
  vi.spyOn(HTMLElement.prototype, "getBoundingClientRect").mockImplementation(function (this: HTMLElement) {
    return new DOMRect(0, 0, isChartBox(this) ? boxWidth : 0, 0);
  });
  vi.stubGlobal(
    "ResizeObserver",
    class {
      constructor(private readonly callback: ResizeObserverCallback) {}
      observe(target: Element) {
        observed.set(target, this.callback);
      }
      disconnect() {
        for (const [target, callback] of observed) if (callback === this.callback) observed.delete(target);
      }
    },
  );
});
afterEach(() => {
  observed.clear();
});

function resize(chart: HTMLElement, width: number) {
  boxWidth = width;
  const callback = observed.get(chart);
  if (!callback) throw new Error("the chart box is not observed");
  act(() => callback([{ contentRect: new DOMRect(0, 0, width, 0) } as ResizeObserverEntry], {} as ResizeObserver));
}

function renderAt(width: number, rows = STAGES) {
  boxWidth = width;
  render(<PipelineValueChart rows={rows} currency="EUR" />);
  return screen.getByRole("img");
}

/** The stage names as the chart draws them on its category axis. */
function stageTicks(chart: HTMLElement, axis: "x" | "y"): string[] {
  return [...chart.querySelectorAll(`.recharts-${axis}Axis-tick-labels .recharts-cartesian-axis-tick-value`)].map((tick) => tick.textContent);
}

describe("PipelineValueChart", () => {
  it("draws columns with the stage names under them on a wide card", () => {
    const chart = renderAt(700);
    expect(chart).toHaveAttribute("data-chart-layout", "columns");
    expect(stageTicks(chart, "x")).toEqual(STAGES.map((s) => s.name));
  });

  it("turns into rows with names beside the bars on a phone, cut to fit, full in the label", () => {
    // A 375 px screen leaves the card's chart 311 px: four columns of 62 px would overlap.
    const chart = renderAt(311);
    expect(chart).toHaveAttribute("data-chart-layout", "rows");
    const names = stageTicks(chart, "y");
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
    resize(chart, 320);
    expect(chart).toHaveAttribute("data-chart-layout", "rows");
    resize(chart, 900);
    expect(chart).toHaveAttribute("data-chart-layout", "columns");
  });

  it("uses rows on a wide card too when a long pipeline leaves each column too little room", () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ name: `Stage ${i + 1}`, count: 1, amount: 100 * (i + 1) }));
    expect(renderAt(900, many)).toHaveAttribute("data-chart-layout", "rows");
  });
});
