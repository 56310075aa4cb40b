import { formatDate } from "@/lib/format";
import { humanize } from "@/modules/records/format";
import type { TimelineEntry } from "./types";

export type TimelineDay = { key: string; label: string; entries: TimelineEntry[] };

/** The local calendar day of an instant, as YYYY-MM-DD (days begin at the user's midnight). */
export function localDayKey(value: string | Date): string {
  const date = typeof value === "string" ? new Date(value) : value;
  const month = String(date.getMonth() + 1).padStart(2, "0");
  const day = String(date.getDate()).padStart(2, "0");
  return `${date.getFullYear()}-${month}-${day}`;
}

/** "Today", "Yesterday", or the date. */
export function dayLabel(key: string, now: Date = new Date()): string {
  if (key === localDayKey(now)) return "Today";
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (key === localDayKey(yesterday)) return "Yesterday";
  const [year = 0, month = 1, day = 1] = key.split("-").map(Number);
  return formatDate(new Date(year, month - 1, day).toISOString());
}

/**
 * Groups entries (newest first, as the API pages them) by local day, keeping their order. Entries
 * of one day split across two pages land in the same group.
 */
export function groupByDay(entries: readonly TimelineEntry[], now: Date = new Date()): TimelineDay[] {
  const days: TimelineDay[] = [];
  for (const entry of entries) {
    const key = localDayKey(entry.at);
    const last = days[days.length - 1];
    if (last?.key === key) last.entries.push(entry);
    else days.push({ key, label: dayLabel(key, now), entries: [entry] });
  }
  return days;
}

export type FieldChange = { field: string; label: string; before: string; after: string; hidden: boolean };

function show(value: unknown): string {
  if (value === null || value === undefined || value === "") return "empty";
  if (Array.isArray(value)) return value.length === 0 ? "empty" : value.map(show).join(", ");
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** The audit trail writes `{before, after}` (older events: `[before, after]`). */
function beforeAfter(change: unknown): [unknown, unknown] {
  if (Array.isArray(change) && change.length === 2) return [change[0], change[1]];
  if (typeof change === "object" && change !== null && ("before" in change || "after" in change)) {
    const pair = change as { before?: unknown; after?: unknown };
    return [pair.before, pair.after];
  }
  return [undefined, change];
}

/**
 * The field changes of an audit event as rows. The audit trail stores `{field: {before, after}}`;
 * fields holding personal data are listed in `redacted_fields` and shown as changed, values hidden.
 */
export function fieldChanges(event: NonNullable<TimelineEntry["event"]>): FieldChange[] {
  const rows: FieldChange[] = [];
  for (const [field, change] of Object.entries(event.changes)) {
    if (field === "version" || field === "updated_at") continue;
    const [before, after] = beforeAfter(change);
    const label = humanize(field.replace(/_id$/, ""));
    rows.push({ field, label, before: show(before), after: show(after), hidden: false });
  }
  for (const field of event.redacted_fields) {
    if (!rows.some((row) => row.field === field)) rows.push({ field, label: humanize(field), before: "", after: "", hidden: true });
    else for (const row of rows) if (row.field === field) row.hidden = true;
  }
  return rows;
}

/** "contact.update" → "updated", "deal.restore" → "restored". */
export function actionVerb(action: string): string {
  const verb = action.split(".").pop() ?? action;
  const verbs: Record<string, string> = {
    create: "created",
    update: "updated",
    delete: "moved to the trash",
    restore: "restored",
    erase: "erased",
    convert: "converted",
    merge: "merged",
    move: "moved",
  };
  return verbs[verb] ?? humanize(verb).toLowerCase();
}
