import type { ImportField, ImportRun } from "./queries";

/** "column header -> field key" ("" = not imported), as the mapping form holds it. */
export type MappingValues = Record<string, string>;

/** The server's suggestion (or the mapping saved earlier), as form values. */
export function initialMapping(columns: ImportRun["columns"]): MappingValues {
  return Object.fromEntries(columns.map((column) => [column.header, column.target ?? ""]));
}

/** Form values as the API's body: an unmapped column is null. */
export function toApiMapping(values: MappingValues): Record<string, string | null> {
  return Object.fromEntries(Object.entries(values).map(([header, target]) => [header, target === "" ? null : target]));
}

/**
 * What stops the mapping from being saved: a field that takes one column chosen for several
 * (reported on every column but the first, where the user looks), or no column imported at all.
 */
export function mappingProblems(
  values: MappingValues,
  fields: readonly ImportField[],
): { columns: Record<string, string>; form?: string } {
  const multiple = new Map(fields.map((field) => [field.key, field.multiple]));
  const firstColumn = new Map<string, string>();
  const columns: Record<string, string> = {};
  for (const [header, target] of Object.entries(values)) {
    if (target === "") continue;
    const first = firstColumn.get(target);
    if (first === undefined) {
      firstColumn.set(target, header);
    } else if (!multiple.get(target)) {
      columns[header] = `“${fieldLabel(fields, target)}” is already filled by the column “${first}”.`;
    }
  }
  if (firstColumn.size === 0) return { columns, form: "Choose a field for at least one column." };
  return { columns };
}

/**
 * A short name for a field: the server describes each one in a phrase ("date of birth
 * (YYYY-MM-DD, …)", "owner: a member's e-mail…"); its head is the name.
 */
export function fieldLabel(fields: readonly ImportField[], key: string): string {
  const field = fields.find((f) => f.key === key);
  if (!field) return key;
  const head = field.description.split(/[(:;,]/, 1)[0]?.trim() || field.key;
  return head.charAt(0).toUpperCase() + head.slice(1);
}
