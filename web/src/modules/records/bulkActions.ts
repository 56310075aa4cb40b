import type { ObjectKey } from "./recordApi";

export type BulkAction = "owner" | "stage" | "add_tags" | "remove_tags" | "delete";

/** What "stage" means for each object in bulk: lifecycle stage, lead status, deal stage, industry. */
export const STAGE_ACTION_LABEL: Record<ObjectKey, string> = {
  contacts: "Change stage",
  leads: "Change status",
  deals: "Move to stage",
  companies: "Change industry",
};

/** "a, b ,, c" → ["a", "b", "c"] (trimmed, no empties, no repeats). */
export function parseTags(raw: string): string[] {
  return [...new Set(raw.split(",").map((tag) => tag.trim()).filter(Boolean))];
}

export type BulkSummary = { ok: number; failed: number };

export function summarise(results: ReadonlyArray<{ ok: boolean }>): BulkSummary {
  const ok = results.filter((result) => result.ok).length;
  return { ok, failed: results.length - ok };
}
