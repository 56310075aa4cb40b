import { infiniteQueryOptions } from "@tanstack/react-query";
import type { components } from "@/client/schema";
import { api, unwrap } from "@/lib/api/client";

export type Suggestion = components["schemas"]["SuggestionOut"];
export type DuplicateObject = Suggestion["object_type"];
export type Choice = "primary" | "duplicate" | "both";
export type Contact = components["schemas"]["ContactOut"];
export type Company = components["schemas"]["CompanyOut"];

export const duplicateKeys = {
  all: ["duplicates"] as const,
  list: (objectType: DuplicateObject) => ["duplicates", "list", objectType] as const,
};

export const suggestionsQueryOptions = (objectType: DuplicateObject) =>
  infiniteQueryOptions({
    queryKey: duplicateKeys.list(objectType),
    queryFn: ({ signal, pageParam }) =>
      unwrap(
        api.GET("/api/v1/duplicates", {
          signal,
          params: { query: { object_type: objectType, status: "open", limit: 25, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });

/** Polls a background job once a second until it ends (the duplicate search takes seconds). */
export async function waitForJob(jobId: string) {
  for (;;) {
    const job = await unwrap(api.GET("/api/v1/jobs/{job_id}", { params: { path: { job_id: jobId } } }));
    if (job.status !== "queued" && job.status !== "running") return job;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

export function fetchPair(objectType: DuplicateObject, a: string, b: string): Promise<[Contact, Contact] | [Company, Company]> {
  if (objectType === "contact") {
    const one = (id: string) => unwrap(api.GET("/api/v1/contacts/{contact_id}", { params: { path: { contact_id: id } } }));
    return Promise.all([one(a), one(b)]);
  }
  const one = (id: string) => unwrap(api.GET("/api/v1/companies/{company_id}", { params: { path: { company_id: id } } }));
  return Promise.all([one(a), one(b)]);
}

export type MergeBody = components["schemas"]["MergeRequest"];

export function mergeRecords(objectType: DuplicateObject, body: MergeBody) {
  return objectType === "contact"
    ? unwrap(api.POST("/api/v1/contacts/merge", { body }))
    : unwrap(api.POST("/api/v1/companies/merge", { body }));
}
