import type { FieldValues, Path, UseFormSetError } from "react-hook-form";
import { isApiError } from "@/lib/api/ApiError";
import { applyApiError, sentence, type FieldErrorMap } from "@/lib/forms/apiErrors";
import type { CustomFieldDefinition } from "../format";

/** Custom field values as a form holds them: text for inputs, booleans for checkboxes, lists for multi-selects. */
export type CustomFormValues = Record<string, string | boolean | string[] | undefined>;

/** The `custom_fields` body for the API: typed values, empty ones left out (the server checks "required"). */
export function toCustomPayload(definitions: readonly CustomFieldDefinition[], values: CustomFormValues | undefined): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const definition of definitions) {
    const raw = values?.[definition.key];
    if (raw === undefined || raw === "" || (Array.isArray(raw) && raw.length === 0)) continue;
    if (raw === false && definition.field_type !== "boolean") continue;
    switch (definition.field_type) {
      case "number":
      case "currency":
        payload[definition.key] = typeof raw === "string" ? Number(raw) : raw;
        break;
      case "boolean":
        payload[definition.key] = raw === true || raw === "true";
        break;
      case "multiselect":
        // One checkbox of a group reports a string, none a boolean; the API wants a list.
        if (Array.isArray(raw)) payload[definition.key] = raw;
        else if (typeof raw === "string") payload[definition.key] = [raw];
        break;
      default:
        payload[definition.key] = typeof raw === "string" ? raw.trim() : raw;
    }
  }
  return payload;
}

/** Required custom fields left empty, as form errors (before a round trip; the server checks again). */
export function missingRequired(definitions: readonly CustomFieldDefinition[], values: CustomFormValues | undefined): string[] {
  return definitions
    .filter((d) => d.required && d.field_type !== "boolean")
    .filter((d) => {
      const raw = values?.[d.key];
      return raw === undefined || raw === "" || raw === false || (Array.isArray(raw) && raw.length === 0);
    })
    .map((d) => d.key);
}

/**
 * Places a record API error: a custom field's problem next to that field (`custom.<key>`, named in
 * the detail "custom field 'key': …"), anything else as `applyApiError` does.
 */
export function applyRecordError<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  fieldsByCode: FieldErrorMap<T>,
  fieldNames: readonly Path<T>[],
): void {
  if (isApiError(error) && error.code === "invalid_custom_field") {
    const key = /custom field '([^']+)'/.exec(error.detail)?.[1];
    if (key) {
      const message = error.detail.replace(/^custom field '[^']+':\s*/, "");
      setError(`custom.${key}` as Path<T>, { type: "server", message: sentence(message) }, { shouldFocus: true });
      return;
    }
  }
  applyApiError(error, setError, fieldsByCode, fieldNames);
}
