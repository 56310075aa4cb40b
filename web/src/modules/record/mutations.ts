import type { components } from "@/client/schema";
import { isApiError } from "@/lib/api/ApiError";
import { api, unwrap } from "@/lib/api/client";
import type { PatchOf, RecordObject, RecordOf } from "./types";

/**
 * Someone else saved the record since we loaded it: the server answers 412 to a stale If-Match
 * (and 409 to a stale `version` in the body or a concurrent write).
 */
export function isConflict(error: unknown): boolean {
  if (!isApiError(error)) return false;
  if (error.status === 412) return error.code !== "invalid_if_match";
  return error.status === 409 && error.code === "version_conflict";
}

/** `If-Match` wants an entity tag: the version, quoted, as the GET's ETag carries it. */
export function ifMatch(version: number): string {
  return `"${version}"`;
}

/** PATCH some fields of a record, guarded by the version the user saw. */
export async function patchRecord<O extends RecordObject>(object: O, id: string, version: number, body: PatchOf<O>): Promise<RecordOf<O>> {
  const header = { "if-match": ifMatch(version) };
  switch (object) {
    case "contacts":
      return (await unwrap(
        api.PATCH("/api/v1/contacts/{contact_id}", { params: { path: { contact_id: id }, header }, body }),
      )) as RecordOf<O>;
    case "companies":
      return (await unwrap(
        api.PATCH("/api/v1/companies/{company_id}", { params: { path: { company_id: id }, header }, body }),
      )) as RecordOf<O>;
    case "leads":
      return (await unwrap(api.PATCH("/api/v1/leads/{lead_id}", { params: { path: { lead_id: id }, header }, body: body as PatchOf<"leads"> }))) as RecordOf<O>;
    default:
      return (await unwrap(api.PATCH("/api/v1/deals/{deal_id}", { params: { path: { deal_id: id }, header }, body: body as PatchOf<"deals"> }))) as RecordOf<O>;
  }
}

/** Move a record to the trash (restorable). */
export async function trashRecord(object: RecordObject, id: string): Promise<void> {
  switch (object) {
    case "contacts":
      await unwrap(api.DELETE("/api/v1/contacts/{contact_id}", { params: { path: { contact_id: id } } }));
      return;
    case "companies":
      await unwrap(api.DELETE("/api/v1/companies/{company_id}", { params: { path: { company_id: id } } }));
      return;
    case "leads":
      await unwrap(api.DELETE("/api/v1/leads/{lead_id}", { params: { path: { lead_id: id } } }));
      return;
    case "deals":
      await unwrap(api.DELETE("/api/v1/deals/{deal_id}", { params: { path: { deal_id: id } } }));
      return;
  }
}

export async function restoreRecord(object: RecordObject, id: string): Promise<void> {
  switch (object) {
    case "contacts":
      await unwrap(api.POST("/api/v1/contacts/{contact_id}/restore", { params: { path: { contact_id: id } } }));
      return;
    case "companies":
      await unwrap(api.POST("/api/v1/companies/{company_id}/restore", { params: { path: { company_id: id } } }));
      return;
    case "leads":
      await unwrap(api.POST("/api/v1/leads/{lead_id}/restore", { params: { path: { lead_id: id } } }));
      return;
    case "deals":
      await unwrap(api.POST("/api/v1/deals/{deal_id}/restore", { params: { path: { deal_id: id } } }));
      return;
  }
}

export type ActivityCreate = components["schemas"]["ActivityCreate"];

/** The link field of an activity for a record of this type. */
export function activityLink(object: RecordObject, id: string): Pick<ActivityCreate, "contact_id" | "company_id" | "lead_id" | "deal_id"> {
  switch (object) {
    case "contacts":
      return { contact_id: id };
    case "companies":
      return { company_id: id };
    case "leads":
      return { lead_id: id };
    case "deals":
      return { deal_id: id };
  }
}

export function createActivity(body: ActivityCreate) {
  return unwrap(api.POST("/api/v1/activities", { body }));
}

export function completeActivity(id: string) {
  return unwrap(api.POST("/api/v1/activities/{activity_id}/complete", { params: { path: { activity_id: id } } }));
}
