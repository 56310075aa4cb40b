import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api/client";
import type { RecordObject } from "./types";

/** Query keys of one record page, so a write can refresh exactly what it changed. */
export const recordKeys = {
  record: (object: RecordObject, id: string) => ["record", object, id] as const,
  timeline: (object: RecordObject, id: string) => ["record", object, id, "timeline"] as const,
  attachments: (object: RecordObject, id: string) => ["record", object, id, "attachments"] as const,
  related: (object: RecordObject, id: string) => ["record", object, id, "related"] as const,
  sentiment: (object: RecordObject, id: string) => ["record", object, id, "sentiment"] as const,
};

export const contactQueryOptions = (id: string) =>
  queryOptions({
    queryKey: recordKeys.record("contacts", id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/contacts/{contact_id}", { signal, params: { path: { contact_id: id } } })),
  });

export const companyQueryOptions = (id: string) =>
  queryOptions({
    queryKey: recordKeys.record("companies", id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/companies/{company_id}", { signal, params: { path: { company_id: id } } })),
  });

export const leadQueryOptions = (id: string) =>
  queryOptions({
    queryKey: recordKeys.record("leads", id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/leads/{lead_id}", { signal, params: { path: { lead_id: id } } })),
  });

export const dealQueryOptions = (id: string) =>
  queryOptions({
    queryKey: recordKeys.record("deals", id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/deals/{deal_id}", { signal, params: { path: { deal_id: id } } })),
  });

export const TIMELINE_PAGE_SIZE = 30;

export const timelineQueryOptions = (object: RecordObject, id: string) =>
  infiniteQueryOptions({
    queryKey: recordKeys.timeline(object, id),
    queryFn: ({ signal, pageParam }) => {
      const params = { path: { record_id: id }, query: { limit: TIMELINE_PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } };
      switch (object) {
        case "contacts":
          return unwrap(api.GET("/api/v1/contacts/{record_id}/timeline", { signal, params }));
        case "companies":
          return unwrap(api.GET("/api/v1/companies/{record_id}/timeline", { signal, params }));
        case "leads":
          return unwrap(api.GET("/api/v1/leads/{record_id}/timeline", { signal, params }));
        case "deals":
          return unwrap(api.GET("/api/v1/deals/{record_id}/timeline", { signal, params }));
      }
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });

export const attachmentsQueryOptions = (object: RecordObject, id: string) =>
  infiniteQueryOptions({
    queryKey: recordKeys.attachments(object, id),
    queryFn: ({ signal, pageParam }) => {
      const params = { path: { record_id: id }, query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } };
      switch (object) {
        case "contacts":
          return unwrap(api.GET("/api/v1/contacts/{record_id}/attachments", { signal, params }));
        case "companies":
          return unwrap(api.GET("/api/v1/companies/{record_id}/attachments", { signal, params }));
        case "leads":
          return unwrap(api.GET("/api/v1/leads/{record_id}/attachments", { signal, params }));
        case "deals":
          return unwrap(api.GET("/api/v1/deals/{record_id}/attachments", { signal, params }));
      }
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });

/*
 * The list endpoints take `field=value` filters (company_id, contact_id) that the OpenAPI document
 * describes in prose only, so the generated query type does not name them: widen it here, once.
 */
type ListQuery = { limit: number; sort?: string; company_id?: string; contact_id?: string };
const RELATED_LIMIT = 20;

export const companyContactsQueryOptions = (companyId: string) =>
  queryOptions({
    queryKey: [...recordKeys.related("companies", companyId), "contacts"],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/contacts", { signal, params: { query: { limit: RELATED_LIMIT, company_id: companyId } satisfies ListQuery } })),
  });

export const dealsOfQueryOptions = (object: "contacts" | "companies", id: string) =>
  queryOptions({
    queryKey: [...recordKeys.related(object, id), "deals"],
    queryFn: ({ signal }) => {
      const filter: ListQuery = object === "contacts" ? { limit: RELATED_LIMIT, contact_id: id } : { limit: RELATED_LIMIT, company_id: id };
      return unwrap(api.GET("/api/v1/deals", { signal, params: { query: filter } }));
    },
  });

export const sentimentQueryOptions = (object: "contacts" | "companies", id: string) =>
  queryOptions({
    queryKey: recordKeys.sentiment(object, id),
    queryFn: ({ signal }) => {
      const query = { period: "month" as const, periods: 12 };
      return object === "contacts"
        ? unwrap(api.GET("/api/v1/ai/sentiment/contacts/{contact_id}", { signal, params: { path: { contact_id: id }, query } }))
        : unwrap(api.GET("/api/v1/ai/sentiment/companies/{company_id}", { signal, params: { path: { company_id: id }, query } }));
    },
    // A 403/404 here means "AI off for you" or "flag off": not worth retrying.
    retry: false,
  });

export const membersQueryOptions = () =>
  queryOptions({
    // Same key as the settings page's member list: one cache for "who is who".
    queryKey: ["settings", "members"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/users", { signal })),
    staleTime: 5 * 60_000,
  });

export const pipelinesQueryOptions = () =>
  queryOptions({
    queryKey: ["pipelines", "list"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/pipelines", { signal })),
    staleTime: 5 * 60_000,
  });

export const nextActionsQueryOptions = (object: "contacts" | "deals", id: string) =>
  queryOptions({
    queryKey: [...recordKeys.related(object, id), "next-best-actions"],
    queryFn: ({ signal }) =>
      object === "contacts"
        ? unwrap(api.GET("/api/v1/contacts/{contact_id}/next-best-actions", { signal, params: { path: { contact_id: id } } }))
        : unwrap(api.GET("/api/v1/deals/{deal_id}/next-best-actions", { signal, params: { path: { deal_id: id } } })),
    retry: false,
  });

export const emailTemplatesQueryOptions = () =>
  queryOptions({
    queryKey: ["ai", "email-templates"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/ai/email-templates", { signal })),
    staleTime: 10 * 60_000,
  });

export const transcriptsQueryOptions = (object: RecordObject, id: string) =>
  queryOptions({
    queryKey: [...recordKeys.related(object, id), "transcripts"],
    queryFn: ({ signal }) => {
      const params = { path: { record_id: id }, query: { limit: 20 } };
      switch (object) {
        case "contacts":
          return unwrap(api.GET("/api/v1/contacts/{record_id}/transcripts", { signal, params }));
        case "companies":
          return unwrap(api.GET("/api/v1/companies/{record_id}/transcripts", { signal, params }));
        case "leads":
          return unwrap(api.GET("/api/v1/leads/{record_id}/transcripts", { signal, params }));
        case "deals":
          return unwrap(api.GET("/api/v1/deals/{record_id}/transcripts", { signal, params }));
      }
    },
    // Poll while a recording is still being transcribed.
    refetchInterval: (query) => (query.state.data?.items.some((t) => t.status === "pending") ? 3000 : false),
    retry: false,
  });

export const transcriptQueryOptions = (id: string) =>
  queryOptions({
    queryKey: ["transcript", id],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/transcripts/{transcript_id}", { signal, params: { path: { transcript_id: id } } })),
    refetchInterval: (query) => (query.state.data?.status === "pending" ? 3000 : false),
  });
