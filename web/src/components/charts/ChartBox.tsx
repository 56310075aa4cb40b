import type { ReactNode, Ref } from "react";
import { cn } from "@/lib/cn";

export type ChartBoxProps = {
  /** The ref of useChartWidth(), for a chart laid out for the width this box measures. */
  ref?: Ref<HTMLDivElement>;
  /** What the chart shows, with every full name and value: screen readers get this instead of the SVG. */
  label: string;
  height: number;
  /** The layout the chart chose for its width ("columns", "rows"): for tests and styling. */
  layout?: string;
  className?: string;
  children: ReactNode;
};

/**
 * A chart's box, sized by its container and not by the chart: `min-w-0` lets it shrink inside
 * grids and flex rows even while the SVG drawn for the old width is still in it, so a narrowing
 * screen reaches the chart's width observer instead of scrolling the page sideways.
 */
export function ChartBox({ ref, label, height, layout, className, children }: ChartBoxProps) {
  return (
    <div ref={ref} role="img" aria-label={label} data-chart-layout={layout} className={cn("w-full min-w-0", className)} style={{ height }}>
      {children}
    </div>
  );
}
