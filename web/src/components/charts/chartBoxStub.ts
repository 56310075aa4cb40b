import { act } from "@testing-library/react";
import { afterEach, beforeEach, vi } from "vitest";

/**
 * jsdom lays nothing out. Call in a test file's top level: every chart box (role="img") then
 * reports the width `setChartWidth` last gave (everything else stays 0 wide, as in jsdom), and
 * `resizeChart` resizes one through the ResizeObserver that watches it.
 */
export function stubChartBoxes() {
  let boxWidth = 0;
  const observed = new Map<Element, ResizeObserverCallback>();
  beforeEach(() => {
    vi.spyOn(HTMLElement.prototype, "getBoundingClientRect").mockImplementation(function (this: HTMLElement) {
      return new DOMRect(0, 0, this.getAttribute("role") === "img" ? boxWidth : 0, 0);
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
  return {
    setChartWidth: (width: number) => {
      boxWidth = width;
    },
    resizeChart: (chart: HTMLElement, width: number) => {
      boxWidth = width;
      const callback = observed.get(chart);
      if (!callback) throw new Error("the chart box is not observed");
      act(() => callback([{ contentRect: new DOMRect(0, 0, width, 0) } as ResizeObserverEntry], {} as ResizeObserver));
    },
  };
}

/** The labels a chart draws on one axis ("x" or "y"), as drawn (cut ones end in "…"). */
export function axisLabels(chart: HTMLElement, axis: "x" | "y"): string[] {
  return [...chart.querySelectorAll(`.recharts-${axis}Axis-tick-labels .recharts-cartesian-axis-tick-value`)].map((tick) => tick.textContent);
}
