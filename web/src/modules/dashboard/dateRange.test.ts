import { describe, expect, it } from "vitest";
import { intervalFor, presetRange, resolveRange, validateRangeSearch } from "./dateRange";

const today = new Date(2026, 4, 15); // 15 May 2026, local time

describe("date range", () => {
  it("turns presets into calendar dates", () => {
    expect(presetRange("30d", today)).toEqual({ start: "2026-04-16", end: "2026-05-15" });
    expect(presetRange("quarter", today)).toEqual({ start: "2026-04-01", end: "2026-05-15" });
    expect(presetRange("ytd", today)).toEqual({ start: "2026-01-01", end: "2026-05-15" });
    expect(presetRange("12m", today)).toEqual({ start: "2025-06-01", end: "2026-05-15" });
  });

  it("prefers valid custom dates and falls back to the default otherwise", () => {
    expect(resolveRange({ start: "2026-01-01", end: "2026-02-01" }, today)).toEqual({ start: "2026-01-01", end: "2026-02-01", preset: "custom" });
    expect(resolveRange({ start: "2026-03-01", end: "2026-02-01" }, today).preset).toBe("12m");
    expect(resolveRange({ range: "90d" }, today)).toEqual({ start: "2026-02-15", end: "2026-05-15", preset: "90d" });
  });

  it("drops malformed search values", () => {
    expect(validateRangeSearch({ range: "forever", start: "yesterday", end: "2026-01-01" })).toEqual({ end: "2026-01-01" });
  });

  it("picks a trend interval that fits the span", () => {
    expect(intervalFor({ start: "2026-04-16", end: "2026-05-15" })).toBe("week");
    expect(intervalFor({ start: "2025-06-01", end: "2026-05-15" })).toBe("month");
    expect(intervalFor({ start: "2023-06-01", end: "2026-05-15" })).toBe("quarter");
  });
});
