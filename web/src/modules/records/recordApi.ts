/**
 * The four record lists behind one shape: each object's list, bulk and export endpoints, typed by
 * the generated client and narrowed to what every list needs. The rows keep their own type in the
 * column definitions (objects.tsx); here they are the common base.
 */
import type { components, operations } from "@/client/schema";
import { api, unwrap } from "@/lib/api/client";
import { ApiError } from "@/lib/api/ApiError";
import { auth } from "@/lib/auth/auth";
import type { Permission } from "@/lib/auth/me";

export type ObjectKey = "contacts" | "companies" | "leads" | "deals";
export type ObjectType = "contact" | "company" | "lead" | "deal";

export type Contact = components["schemas"]["ContactOut"];
export type Company = components["schemas"]["CompanyOut"];
export type Lead = components["schemas"]["LeadOut"];
export type Deal = components["schemas"]["DealOut"];
export type RowOf = { contacts: Contact; companies: Company; leads: Lead; deals: Deal };

/** What every record row has, whatever its object. */
export type BaseRow = {
  id: string;
  owner_id?: string | null;
  tags: string[];
  custom_fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
};

export type Total = components["schemas"]["Total"];
export type RecordPage = { items: BaseRow[]; next_cursor: string | null; total?: Total | null };
export type BulkResult = components["schemas"]["BulkResult"];

/** Rows a page asks for: large pages mean fewer round trips while scrolling far. */
export const PAGE_SIZE = 200;
/** The most rows one bulk request may name (the backend's limit). */
export const BULK_LIMIT = 500;

type ListQuery = NonNullable<operations["list_contacts_api_v1_contacts_get"]["parameters"]["query"]>;

/**
 * One page of a list. Filters are free-form query parameters (`field__op=value`, `cf.<key>`), which
 * the OpenAPI document cannot enumerate; the declared ones (limit, cursor, q, count) keep their types.
 */
export async function fetchRecordPage(
  object: ObjectKey,
  params: Record<string, string>,
  cursor: string | null,
  signal: AbortSignal,
): Promise<RecordPage> {
  const query = { ...params, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } as ListQuery;
  switch (object) {
    case "contacts":
      return unwrap(api.GET("/api/v1/contacts", { signal, params: { query } }));
    case "companies":
      return unwrap(api.GET("/api/v1/companies", { signal, params: { query } }));
    case "leads":
      return unwrap(api.GET("/api/v1/leads", { signal, params: { query } }));
    case "deals":
      return unwrap(api.GET("/api/v1/deals", { signal, params: { query } }));
  }
}

export type BulkChange = {
  owner_id?: string;
  add_tags?: string[];
  remove_tags?: string[];
  lifecycle_stage?: Contact["lifecycle_stage"];
  industry?: string;
  status?: "new" | "contacted" | "qualified" | "lost";
  stage_id?: string;
  lost_reason?: string;
};

type ContactBulk = components["schemas"]["BulkUpdate"];

export async function bulkUpdate(object: ObjectKey, ids: string[], change: BulkChange): Promise<BulkResult[]> {
  const body = { ids, ...change };
  switch (object) {
    case "contacts":
      return (await unwrap(api.POST("/api/v1/contacts/bulk-update", { body: body as ContactBulk }))).results;
    case "companies":
      return (await unwrap(api.POST("/api/v1/companies/bulk-update", { body }))).results;
    case "leads":
      return (await unwrap(api.POST("/api/v1/leads/bulk-update", { body }))).results;
    case "deals":
      return (await unwrap(api.POST("/api/v1/deals/bulk-update", { body }))).results;
  }
}

export async function bulkDelete(object: ObjectKey, ids: string[]): Promise<BulkResult[]> {
  const body = { ids };
  switch (object) {
    case "contacts":
      return (await unwrap(api.POST("/api/v1/contacts/bulk-delete", { body }))).results;
    case "companies":
      return (await unwrap(api.POST("/api/v1/companies/bulk-delete", { body }))).results;
    case "leads":
      return (await unwrap(api.POST("/api/v1/leads/bulk-delete", { body }))).results;
    case "deals":
      return (await unwrap(api.POST("/api/v1/deals/bulk-delete", { body }))).results;
  }
}

/** The CSV export of each list (same filters, search and sort as the list). */
export const EXPORT_PATHS: Partial<Record<ObjectKey, string>> = {
  contacts: "/api/v1/exports/contacts",
  companies: "/api/v1/exports/companies",
  leads: "/api/v1/exports/leads",
  deals: "/api/v1/exports/deals",
};

/**
 * Downloads the CSV export of a list as a file. The export needs the bearer token, so it cannot be
 * a plain link: it is fetched through the auth client and handed to the browser as a blob.
 */
export async function downloadExport(object: ObjectKey, params: Record<string, string>, columns: string[]): Promise<string> {
  const path = EXPORT_PATHS[object];
  if (!path) throw new Error(`no export for ${object}`);
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  if (columns.length > 0) url.searchParams.set("columns", columns.join(","));
  let response: Response;
  try {
    response = await auth.fetch(new Request(url));
  } catch (cause) {
    throw ApiError.network(cause);
  }
  if (!response.ok) throw ApiError.fromResponse(response.status, await response.text());
  const blob = await response.blob();
  const disposition = response.headers.get("Content-Disposition") ?? "";
  const filename = /filename="([^"]+)"/.exec(disposition)?.[1] ?? `${object}.csv`;
  const href = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = href;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked after the click has handed the blob to the download manager.
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return filename;
}

export const PERMISSIONS: Record<ObjectKey, { read: Permission; create: Permission; update: Permission; delete: Permission; export: Permission }> = {
  contacts: { read: "contacts:read", create: "contacts:create", update: "contacts:update", delete: "contacts:delete", export: "contacts:export" },
  companies: { read: "companies:read", create: "companies:create", update: "companies:update", delete: "companies:delete", export: "companies:export" },
  leads: { read: "leads:read", create: "leads:create", update: "leads:update", delete: "leads:delete", export: "leads:export" },
  deals: { read: "deals:read", create: "deals:create", update: "deals:update", delete: "deals:delete", export: "deals:export" },
};
