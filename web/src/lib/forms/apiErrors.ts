import type { FieldValues, Path, UseFormSetError } from "react-hook-form";
import { isApiError } from "@/lib/api/ApiError";

/** Backend details are terse lower-case phrases ("that code is not valid"); show them as sentences. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === "") return trimmed;
  const capitalised = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?…]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** A message for any thrown value, safe to show. */
export function errorMessage(error: unknown): string {
  if (isApiError(error)) return sentence(error.detail);
  return "Something went wrong. Try again.";
}

export type FieldErrorMap<T extends FieldValues> = Partial<Record<string, Path<T>>>;

/**
 * Puts an API error where it belongs: next to the field it concerns (by error code, or by the
 * path of a 422 validation issue), else at the form level (`errors.root.server`).
 */
export function applyApiError<T extends FieldValues>(
  error: unknown,
  setError: UseFormSetError<T>,
  fieldsByCode: FieldErrorMap<T> = {},
  fieldNames: readonly Path<T>[] = [],
): void {
  if (!isApiError(error)) {
    setError("root.server", { type: "server", message: errorMessage(error) });
    return;
  }
  if (error.issues.length > 0) {
    const unplaced: string[] = [];
    for (const issue of error.issues) {
      const name = issue.path.split(".").pop() as Path<T> | undefined;
      if (name !== undefined && fieldNames.includes(name)) {
        setError(name, { type: "server", message: sentence(issue.message) });
      } else {
        unplaced.push(issue.path ? `${issue.path}: ${issue.message}` : issue.message);
      }
    }
    if (unplaced.length > 0) setError("root.server", { type: "server", message: sentence(unplaced.join("; ")) });
    return;
  }
  const field = fieldsByCode[error.code];
  if (field !== undefined) {
    setError(field, { type: "server", message: sentence(error.detail) }, { shouldFocus: true });
    return;
  }
  setError("root.server", { type: "server", message: sentence(error.detail) });
}
