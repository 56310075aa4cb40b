import { describe, expect, it } from "vitest";
import { actionVerb, dayLabel, fieldChanges, groupByDay, localDayKey } from "./timeline";
import type { TimelineEntry } from "./types";

const entry = (id: string, at: Date): TimelineEntry => ({ id, at: at.toISOString(), type: "activity", activity: null, event: null, stage_change: null });

describe("groupByDay", () => {
  it("groups newest-first entries by local day and labels today and yesterday", () => {
    const now = new Date(2026, 2, 10, 15, 0);
    const entries = [
      entry("a", new Date(2026, 2, 10, 9, 30)),
      entry("b", new Date(2026, 2, 10, 0, 5)),
      entry("c", new Date(2026, 2, 9, 23, 59)),
      entry("d", new Date(2026, 1, 28, 12, 0)),
    ];
    const days = groupByDay(entries, now);
    expect(days.map((d) => [d.label, d.entries.map((e) => e.id)])).toEqual([
      ["Today", ["a", "b"]],
      ["Yesterday", ["c"]],
      [dayLabel("2026-02-28", now), ["d"]],
    ]);
    expect(days[2]?.label).not.toMatch(/Today|Yesterday/);
  });

  it("keeps one group for a day split over two pages", () => {
    const now = new Date(2026, 2, 10);
    const first = [entry("a", new Date(2026, 2, 5, 10))];
    const second = [entry("b", new Date(2026, 2, 5, 8))];
    expect(groupByDay([...first, ...second], now)).toHaveLength(1);
  });

  it("uses local days", () => {
    expect(localDayKey(new Date(2026, 0, 2, 0, 30))).toBe("2026-01-02");
  });
});

describe("fieldChanges", () => {
  it("lists before and after values and hides redacted ones", () => {
    const rows = fieldChanges({
      action: "contact.update",
      actor_id: null,
      actor_type: "user",
      changes: { job_title: { before: "Nurse", after: "Head nurse" }, tags: [[], ["vip"]], owner_id: { before: null, after: "u1" }, version: [1, 2] },
      redacted_fields: ["emails"],
    });
    expect(rows).toEqual([
      { field: "job_title", label: "Job title", before: "Nurse", after: "Head nurse", hidden: false },
      { field: "tags", label: "Tags", before: "empty", after: "vip", hidden: false },
      { field: "owner_id", label: "Owner", before: "empty", after: "u1", hidden: false },
      { field: "emails", label: "Emails", before: "", after: "", hidden: true },
    ]);
  });

  it("names actions as verbs", () => {
    expect(actionVerb("deal.update")).toBe("updated");
    expect(actionVerb("lead.restore")).toBe("restored");
  });
});
