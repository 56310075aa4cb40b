import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import type { components } from "@/client/schema";
import { api, unwrap } from "@/lib/api/client";
import { can, type Me } from "@/lib/auth/me";

export type SearchHit = components["schemas"]["SearchHit"];
export type RecordType = SearchHit["type"];

/** One result row of the palette, whichever source found it. */
export type PaletteHit = {
  type: RecordType;
  id: string;
  title: string;
  snippet: string;
  /** Found by meaning (vector search), by words (full text), or both. */
  foundBy: SearchHit["found_by"];
};

export type PaletteResults = {
  hits: PaletteHit[];
  /** Whether meaning search took part; when not, `reason` says why. */
  semantic: boolean;
  reason: string | null;
};

export const SEARCH_LIMIT = 12;
const LEAD_LIMIT = 5;

/**
 * The global search: /search ranks contacts, companies, deals, leads, activities and transcripts by
 * meaning and by words (permission-filtered on the server). The leads list's own `q` search runs in
 * parallel for users who may read leads (it also matches e-mail addresses, which are never embedded);
 * a lead both found is shown once.
 */
export const searchQueryOptions = (q: string, me: Pick<Me, "permissions">) =>
  queryOptions({
    queryKey: ["search", q, can(me, "leads:read")],
    queryFn: async ({ signal }): Promise<PaletteResults> => {
      const [search, leads] = await Promise.all([
        unwrap(api.GET("/api/v1/search", { signal, params: { query: { q, limit: SEARCH_LIMIT } } })),
        can(me, "leads:read")
          ? unwrap(api.GET("/api/v1/leads", { signal, params: { query: { q, limit: LEAD_LIMIT } } }))
          : Promise.resolve(null),
      ]);
      const hits: PaletteHit[] = search.items.map((hit) => ({
        type: hit.type,
        id: hit.id,
        title: hit.title,
        snippet: hit.snippet,
        foundBy: hit.found_by,
      }));
      const found = new Set(hits.map((hit) => `${hit.type}:${hit.id}`));
      for (const lead of leads?.items ?? []) {
        if (found.has(`lead:${lead.id}`)) continue;
        hits.push({
          type: "lead",
          id: lead.id,
          title: [lead.first_name, lead.last_name].filter(Boolean).join(" ") || lead.email || "Unnamed lead",
          snippet: [lead.company_name, lead.email, lead.status].filter(Boolean).join(" · "),
          foundBy: ["fulltext"],
        });
      }
      return { hits, semantic: search.semantic, reason: search.reason ?? null };
    },
    enabled: q.trim().length > 0,
    placeholderData: keepPreviousData,
    staleTime: 15_000,
  });

const basePaths: Record<Exclude<RecordType, "activity" | "transcript">, string> = {
  contact: "/contacts",
  company: "/companies",
  deal: "/deals",
  lead: "/leads",
};

/** Where a hit opens. Activities and transcripts have no page of their own: they open on their record. */
export async function hitHref(hit: Pick<PaletteHit, "type" | "id">): Promise<string> {
  if (hit.type === "transcript") {
    const transcript = await unwrap(
      api.GET("/api/v1/transcripts/{transcript_id}", { params: { path: { transcript_id: hit.id } } }),
    );
    const type = transcript.object_type as Exclude<RecordType, "activity" | "transcript">;
    if (!(type in basePaths)) throw new Error("This transcript is linked to no record.");
    return `${basePaths[type]}/${transcript.record_id}`;
  }
  if (hit.type !== "activity") return `${basePaths[hit.type]}/${hit.id}`;
  const activity = await unwrap(api.GET("/api/v1/activities/{activity_id}", { params: { path: { activity_id: hit.id } } }));
  if (activity.deal_id) return `/deals/${activity.deal_id}`;
  if (activity.contact_id) return `/contacts/${activity.contact_id}`;
  if (activity.company_id) return `/companies/${activity.company_id}`;
  if (activity.lead_id) return `/leads/${activity.lead_id}`;
  throw new Error("This activity is linked to no record.");
}

export const typeLabels: Record<RecordType, string> = {
  contact: "Contacts",
  company: "Companies",
  deal: "Deals",
  lead: "Leads",
  activity: "Notes & activities",
  transcript: "Call & voice transcripts",
};

/** Hits grouped by type, in the order of the best hit of each group (the server's ranking). */
export function groupHits(hits: readonly PaletteHit[]): Array<{ type: RecordType; hits: PaletteHit[] }> {
  const groups = new Map<RecordType, PaletteHit[]>();
  for (const hit of hits) {
    const group = groups.get(hit.type);
    if (group) group.push(hit);
    else groups.set(hit.type, [hit]);
  }
  return [...groups].map(([type, grouped]) => ({ type, hits: grouped }));
}
