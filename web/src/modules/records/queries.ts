import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api/client";
import { fetchRecordPage, type ObjectKey, type ObjectType } from "./recordApi";

export const recordsKey = (object: ObjectKey) => ["records", object] as const;

/** One list, page by page (keyset cursors). The total comes with the first page only. */
export const recordListQueryOptions = (object: ObjectKey, params: Record<string, string>) =>
  infiniteQueryOptions({
    queryKey: [...recordsKey(object), "list", params],
    queryFn: ({ signal, pageParam }) => fetchRecordPage(object, params, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // A long scroll holds many pages; refetching them all on focus would stall the list.
    refetchOnWindowFocus: false,
    staleTime: 30_000,
  });

export const customFieldsQueryOptions = (objectType: ObjectType) =>
  queryOptions({
    queryKey: ["custom-fields", objectType],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/custom-fields", { signal, params: { query: { object_type: objectType } } })),
    staleTime: 60_000,
  });

export const savedViewsQueryOptions = (objectType: ObjectType) =>
  queryOptions({
    queryKey: ["saved-views", objectType],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/saved-views", { signal, params: { query: { object_type: objectType, limit: 200 } } })),
  });

export const pipelinesQueryOptions = () =>
  queryOptions({
    queryKey: ["pipelines"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/pipelines", { signal })),
    staleTime: 60_000,
  });

/** Companies to pick from in forms: the first 200 by name, narrowed by a search. */
export const companyOptionsQueryOptions = (q: string) =>
  queryOptions({
    queryKey: ["records", "companies", "options", q],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/companies", {
          signal,
          params: { query: { limit: 200, ...(q ? { q } : {}), sort: "name" } as { limit: number; q?: string } },
        }),
      ),
    staleTime: 30_000,
  });
