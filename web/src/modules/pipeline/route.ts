import { notFound } from "@tanstack/react-router";
import { can, type Me } from "@/lib/auth/me";

export type BoardSearch = { owner?: string | undefined; close_before?: string | undefined };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The board's filters from the URL; anything malformed is dropped rather than sent to the API. */
export function validateBoardSearch(search: Record<string, unknown>): BoardSearch {
  const owner = typeof search.owner === "string" && UUID.test(search.owner) ? search.owner : undefined;
  const closeBefore = typeof search.close_before === "string" && DATE.test(search.close_before) ? search.close_before : undefined;
  return { ...(owner ? { owner } : {}), ...(closeBefore ? { close_before: closeBefore } : {}) };
}

/** The board exists only for people who may read deals (absent, not forbidden). */
export function requireBoard(me: Pick<Me, "permissions">): void {
  if (!can(me, "deals:read")) throw notFound();
}
