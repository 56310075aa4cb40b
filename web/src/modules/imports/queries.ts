import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import type { components, paths } from "@/client/schema";
import { api, unwrap } from "@/lib/api/client";

export type ImportRun = components["schemas"]["ImportOut"];
export type ImportField = components["schemas"]["ImportField"];
export type ImportPreview = components["schemas"]["PreviewOut"];
export type PreviewRow = components["schemas"]["PreviewRow"];
export type DuplicatePolicy = ImportRun["duplicate_policy"];
export type ImportStatus = ImportRun["status"];
export type ImportObject = NonNullable<
  NonNullable<paths["/api/v1/imports"]["post"]["parameters"]["query"]>["object_type"]
>;

/** An import still moving: the page keeps polling it. */
export function isActive(status: ImportStatus): boolean {
  return status === "queued" || status === "running" || status === "cancelling";
}

/** An import that has ended one way or another: only its report is left to show. */
export function isFinished(status: ImportStatus): boolean {
  return status === "completed" || status === "failed" || status === "cancelled";
}

export const importKeys = {
  all: ["imports"] as const,
  list: () => ["imports", "list"] as const,
  one: (id: string) => ["imports", "one", id] as const,
  preview: (id: string) => ["imports", "preview", id] as const,
  errors: (id: string) => ["imports", "errors", id] as const,
  fields: (objectType: ImportObject) => ["imports", "fields", objectType] as const,
};

export const importsQueryOptions = () =>
  infiniteQueryOptions({
    queryKey: importKeys.list(),
    queryFn: ({ signal, pageParam }) =>
      unwrap(api.GET("/api/v1/imports", { signal, params: { query: { limit: 25, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });

/** Polls every second while the import runs, so the progress bar moves; stops once it ends. */
export const importQueryOptions = (id: string) =>
  queryOptions({
    queryKey: importKeys.one(id),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/imports/{import_id}", { signal, params: { path: { import_id: id } } })),
    refetchInterval: (query) => (query.state.data && isActive(query.state.data.status) ? 1_000 : false),
  });

/** The fields a column can fill depend on what is imported (a lead has a source and a status). */
export const importFieldsQueryOptions = (objectType: ImportObject) =>
  queryOptions({
    queryKey: importKeys.fields(objectType),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/imports/fields", { signal, params: { query: { object_type: objectType } } })),
    staleTime: 5 * 60_000,
  });

export const PREVIEW_ROWS = 50;

export const importPreviewQueryOptions = (id: string) =>
  queryOptions({
    queryKey: importKeys.preview(id),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/imports/{import_id}/preview", { signal, params: { path: { import_id: id }, query: { limit: PREVIEW_ROWS } } })),
    staleTime: 0,
  });

export const importErrorsQueryOptions = (id: string) =>
  infiniteQueryOptions({
    queryKey: importKeys.errors(id),
    queryFn: ({ signal, pageParam }) =>
      unwrap(
        api.GET("/api/v1/imports/{import_id}/errors", {
          signal,
          params: { path: { import_id: id }, query: { limit: 100, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });

/** Uploads the CSV as multipart form data (the generated client only knows JSON bodies). */
export function uploadImport(file: File, objectType: ImportObject): Promise<ImportRun> {
  const form = new FormData();
  form.append("file", file, file.name);
  return unwrap(
    api.POST("/api/v1/imports", {
      params: { query: { object_type: objectType } },
      // The body is FormData: the browser writes the multipart boundary itself.
      body: form as unknown as { file: string },
      bodySerializer: (body) => body as unknown as FormData,
    }),
  );
}

export function saveMapping(id: string, mapping: Record<string, string | null>, policy: DuplicatePolicy): Promise<ImportRun> {
  return unwrap(
    api.PUT("/api/v1/imports/{import_id}/mapping", {
      params: { path: { import_id: id } },
      body: { mapping, duplicate_policy: policy },
    }),
  );
}

export function runImport(id: string, policy: DuplicatePolicy): Promise<ImportRun> {
  return unwrap(api.POST("/api/v1/imports/{import_id}/run", { params: { path: { import_id: id } }, body: { duplicate_policy: policy } }));
}

export function cancelImport(id: string): Promise<ImportRun> {
  return unwrap(api.POST("/api/v1/imports/{import_id}/cancel", { params: { path: { import_id: id } } }));
}

export function deleteImport(id: string): Promise<void> {
  return unwrap(api.DELETE("/api/v1/imports/{import_id}", { params: { path: { import_id: id } } })).then(() => undefined);
}
