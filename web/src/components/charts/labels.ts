import { TICK_FONT_PX } from "./theme";

// An OffscreenCanvas measures with the page's fonts without touching the DOM. Where there is none
// (jsdom in unit tests) an average glyph width stands in: Inter's is about 0.55 em, 0.6 errs wide.
let context: OffscreenCanvasRenderingContext2D | null | undefined;
const AVERAGE_GLYPH_EM = 0.6;

function fontFamily(): string {
  return (typeof document !== "undefined" && getComputedStyle(document.body).fontFamily) || "sans-serif";
}

/** How wide `text` is drawn at `fontPx` in the page's font, in CSS pixels. */
export function textWidth(text: string, fontPx: number = TICK_FONT_PX): number {
  if (context === undefined) context = typeof OffscreenCanvas === "undefined" ? null : new OffscreenCanvas(1, 1).getContext("2d");
  if (context === null) return text.length * fontPx * AVERAGE_GLYPH_EM;
  context.font = `${fontPx}px ${fontFamily()}`;
  return context.measureText(text).width;
}

/**
 * `text` as it fits in `maxPx`: whole when it fits, else cut at the longest prefix that fits with
 * an ellipsis (at least one letter). Axis labels are cut rather than wrapped or left to overlap;
 * the chart's tooltip and its accessible label carry the full name.
 */
export function fitLabel(text: string, maxPx: number, fontPx: number = TICK_FONT_PX): string {
  if (textWidth(text, fontPx) <= maxPx) return text;
  let low = 1;
  let high = text.length - 1;
  // Binary search on the prefix length: widths grow with it.
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (textWidth(`${text.slice(0, mid).trimEnd()}…`, fontPx) <= maxPx) low = mid;
    else high = mid - 1;
  }
  return `${text.slice(0, low).trimEnd()}…`;
}

/** Room between a category label and its bar. */
export const LABEL_GAP_PX = 8;

/**
 * Width of a category axis beside horizontal bars: as wide as the longest label needs, but never
 * more than `share` of the chart, so the bars keep most of a phone's width.
 */
export function categoryAxisWidth(labels: readonly string[], chartWidth: number, share = 0.4, fontPx: number = TICK_FONT_PX): number {
  const longest = Math.max(0, ...labels.map((label) => textWidth(label, fontPx)));
  return Math.ceil(Math.min(longest + LABEL_GAP_PX, Math.max(64, chartWidth * share)));
}

/** Narrowest column whose label stays readable (about ten letters at the tick size). */
export const MIN_COLUMN_PX = 84;

export type CategoryLayout = "columns" | "rows";

/**
 * Columns (vertical bars, names under them) while each column has room for a readable name;
 * rows (horizontal bars, names beside them) when the plot is too narrow for that, as on a phone
 * or for a pipeline with many stages. Rows never crowd: they grow downwards.
 */
export function categoryLayout(plotWidth: number, count: number, minColumnPx: number = MIN_COLUMN_PX): CategoryLayout {
  return count === 0 || plotWidth / count >= minColumnPx ? "columns" : "rows";
}

/** Height of a rows layout: a fixed pitch per category plus the value axis, never shorter than `minPx`. */
export function rowsHeight(count: number, rowPx = 36, axisPx = 32, minPx = 160): number {
  return Math.max(minPx, count * rowPx + axisPx);
}
