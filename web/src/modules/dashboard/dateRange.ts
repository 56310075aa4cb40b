/** The dashboard's date range: a preset or two dates, as the URL carries it. */
export type RangePreset = "30d" | "90d" | "quarter" | "ytd" | "12m";
export type DateRange = { start: string; end: string };
export type RangeSearch = { range?: RangePreset | undefined; start?: string | undefined; end?: string | undefined };

export const PRESETS: { value: RangePreset; label: string }[] = [
  { value: "30d", label: "Last 30 days" },
  { value: "90d", label: "Last 90 days" },
  { value: "quarter", label: "This quarter" },
  { value: "ytd", label: "Year to date" },
  { value: "12m", label: "Last 12 months" },
];
export const DEFAULT_PRESET: RangePreset = "12m";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A local calendar date as YYYY-MM-DD (not toISOString, which shifts to UTC). */
export function isoDate(date: Date): string {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
}

export function presetRange(preset: RangePreset, today = new Date()): DateRange {
  const end = isoDate(today);
  const y = today.getFullYear();
  const m = today.getMonth();
  const d = today.getDate();
  switch (preset) {
    case "30d":
      return { start: isoDate(new Date(y, m, d - 29)), end };
    case "90d":
      return { start: isoDate(new Date(y, m, d - 89)), end };
    case "quarter":
      return { start: isoDate(new Date(y, m - (m % 3), 1)), end };
    case "ytd":
      return { start: isoDate(new Date(y, 0, 1)), end };
    case "12m":
      return { start: isoDate(new Date(y, m - 11, 1)), end };
  }
}

/** The range a URL asks for: valid custom dates (start <= end), else the preset, else the default. */
export function resolveRange(search: RangeSearch, today = new Date()): DateRange & { preset: RangePreset | "custom" } {
  if (search.start && search.end && DATE.test(search.start) && DATE.test(search.end) && search.start <= search.end) {
    return { start: search.start, end: search.end, preset: "custom" };
  }
  const preset = search.range && PRESETS.some((p) => p.value === search.range) ? search.range : DEFAULT_PRESET;
  return { ...presetRange(preset, today), preset };
}

export function validateRangeSearch(search: Record<string, unknown>): RangeSearch {
  const range = PRESETS.find((p) => p.value === search.range)?.value;
  const start = typeof search.start === "string" && DATE.test(search.start) ? search.start : undefined;
  const end = typeof search.end === "string" && DATE.test(search.end) ? search.end : undefined;
  return { ...(range ? { range } : {}), ...(start ? { start } : {}), ...(end ? { end } : {}) };
}

/** Trend buckets that give a readable number of points for the span. */
export function intervalFor(range: DateRange): "week" | "month" | "quarter" {
  const days = (Date.parse(range.end) - Date.parse(range.start)) / 86_400_000;
  if (days <= 120) return "week";
  if (days <= 2 * 366) return "month";
  return "quarter";
}
