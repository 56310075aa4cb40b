/**
 * The state of a record list (search, filters, sort, columns, saved view) and how it becomes the
 * list endpoint's query parameters, a saved view's body and the page's URL. The syntax mirrors
 * backend/crm/kit/listing.py: `field=value`, `field__op=value`, custom fields as `cf.<key>`.
 */
import type { CustomFieldDefinition } from "./format";

export type FilterKind = "text" | "number" | "date" | "datetime" | "boolean" | "uuid" | "enum" | "tags" | "encrypted";
export type FilterOp = "eq" | "in" | "contains" | "empty" | "gte" | "lte" | "gt" | "lt";

/** Operators each kind accepts, as the backend's OPERATORS table. */
export const OPERATORS: Record<FilterKind, readonly FilterOp[]> = {
  text: ["contains", "eq", "empty"],
  number: ["eq", "gte", "lte", "gt", "lt", "empty"],
  date: ["eq", "gte", "lte", "empty"],
  datetime: ["gte", "lte", "empty"],
  boolean: ["eq"],
  uuid: ["eq", "empty"],
  enum: ["eq", "in"],
  tags: ["contains", "empty"],
  encrypted: ["eq", "empty"],
};

export const OPERATOR_LABELS: Record<FilterOp, string> = {
  eq: "is",
  in: "is any of",
  contains: "contains",
  empty: "is empty",
  gte: "on or after / at least",
  lte: "on or before / at most",
  gt: "greater than",
  lt: "less than",
};

/** The label an operator gets for a kind (dates read "on or after", numbers "at least"). */
export function operatorLabel(kind: FilterKind, op: FilterOp): string {
  if (kind === "date" || kind === "datetime") {
    if (op === "gte") return "on or after";
    if (op === "lte") return "on or before";
  }
  if (kind === "number") {
    if (op === "gte") return "at least";
    if (op === "lte") return "at most";
  }
  if (kind === "tags" && op === "contains") return "includes";
  return OPERATOR_LABELS[op];
}

export type FilterField = {
  /** The query parameter name: `lifecycle_stage`, `cf.visits`. */
  name: string;
  label: string;
  kind: FilterKind;
  /** For enums: the allowed values (label by humanising unless `choiceLabels` says otherwise). */
  choices?: readonly string[];
  /** Values are picked from a list fetched at run time (members, stages, companies). */
  source?: "members" | "stages" | "pipelines";
};

export type Filter = { field: string; op: FilterOp; value: string };

export type ListState = {
  q: string;
  sort: string | undefined;
  filters: Filter[];
  /** Column keys in display order; undefined: the object's default columns. */
  columns: string[] | undefined;
  /** The saved view this state came from (changes after picking it make it "modified"). */
  view: string | undefined;
};

export const emptyState: ListState = { q: "", sort: undefined, filters: [], columns: undefined, view: undefined };

/** The query parameter of one filter: `name` for equality, else `name__op`. */
export function filterKey(filter: Pick<Filter, "field" | "op">): string {
  return filter.op === "eq" ? filter.field : `${filter.field}__${filter.op}`;
}

/** Parses `name` / `name__op` back into field and operator (unknown operators stay part of the name). */
export function parseFilterKey(key: string): Pick<Filter, "field" | "op"> {
  const index = key.lastIndexOf("__");
  if (index > 0) {
    const op = key.slice(index + 2);
    if (op in OPERATOR_LABELS) return { field: key.slice(0, index), op: op as FilterOp };
  }
  return { field: key, op: "eq" };
}

/** The list endpoint's query parameters for a state (empty values left out). */
export function toQueryParams(state: Pick<ListState, "q" | "sort" | "filters">): Record<string, string> {
  const params: Record<string, string> = {};
  for (const filter of state.filters) {
    if (filter.value.trim() === "") continue;
    params[filterKey(filter)] = filter.value.trim();
  }
  const q = state.q.trim();
  if (q) params.q = q;
  if (state.sort) params.sort = state.sort;
  return params;
}

/** A saved view's `filters` (search included, as the backend accepts `q` there). */
export function toViewFilters(state: Pick<ListState, "q" | "filters">): Record<string, string> {
  const filters: Record<string, string> = {};
  for (const filter of state.filters) {
    if (filter.value.trim() !== "") filters[filterKey(filter)] = filter.value.trim();
  }
  if (state.q.trim()) filters.q = state.q.trim();
  return filters;
}

/** The list state a saved view describes. */
export function fromView(view: {
  id: string;
  columns: string[];
  filters: Record<string, string | string[]>;
  sort: string | null;
}): ListState {
  const filters: Filter[] = [];
  let q = "";
  for (const [key, raw] of Object.entries(view.filters)) {
    const value = Array.isArray(raw) ? raw.join(",") : raw;
    if (key === "q") {
      q = value;
      continue;
    }
    filters.push({ ...parseFilterKey(key), value });
  }
  return { q, sort: view.sort ?? undefined, filters, columns: view.columns.length > 0 ? view.columns : undefined, view: view.id };
}

/** The filter fields custom fields add to an object (PII fields filter only by equality and emptiness). */
export function customFilterFields(definitions: readonly CustomFieldDefinition[]): FilterField[] {
  return definitions.map((definition) => {
    const name = `cf.${definition.key}`;
    if (definition.is_pii) return { name, label: definition.label, kind: "encrypted" };
    switch (definition.field_type) {
      case "number":
      case "currency":
        return { name, label: definition.label, kind: "number" };
      case "date":
        return { name, label: definition.label, kind: "date" };
      case "boolean":
        return { name, label: definition.label, kind: "boolean" };
      case "select":
        return { name, label: definition.label, kind: "enum", choices: definition.options ?? [] };
      case "multiselect":
        return { name, label: definition.label, kind: "tags", choices: definition.options ?? [] };
      default:
        return { name, label: definition.label, kind: "text" };
    }
  });
}

/** Whether a custom field can be sorted on (the backend refuses PII and multi-select sorts). */
export function customSortable(definition: CustomFieldDefinition): boolean {
  return !definition.is_pii && definition.field_type !== "multiselect";
}

// --- the URL ---------------------------------------------------------------------------------

/** What the list pages keep in their URL, so a reload or a shared link shows the same list. */
export type ListSearch = {
  q?: string | undefined;
  sort?: string | undefined;
  filters?: Filter[] | undefined;
  columns?: string[] | undefined;
  view?: string | undefined;
};

function isFilter(value: unknown): value is Filter {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.field === "string" &&
    typeof candidate.value === "string" &&
    typeof candidate.op === "string" &&
    candidate.op in OPERATOR_LABELS
  );
}

/** validateSearch of the list routes: keeps what is well-formed, drops the rest (never throws). */
export function parseListSearch(search: Record<string, unknown>): ListSearch {
  const out: ListSearch = {};
  if (typeof search.q === "string" && search.q !== "") out.q = search.q.slice(0, 200);
  if (typeof search.sort === "string" && /^-?[a-z][a-z0-9_.]{0,120}$/.test(search.sort)) out.sort = search.sort;
  if (Array.isArray(search.filters)) {
    const filters = search.filters.filter(isFilter).slice(0, 30);
    if (filters.length > 0) out.filters = filters;
  }
  if (Array.isArray(search.columns)) {
    const columns = search.columns.filter((c): c is string => typeof c === "string").slice(0, 60);
    if (columns.length > 0) out.columns = columns;
  }
  if (typeof search.view === "string" && /^[0-9a-f-]{36}$/.test(search.view)) out.view = search.view;
  return out;
}

export function stateFromSearch(search: ListSearch): ListState {
  return {
    q: search.q ?? "",
    sort: search.sort,
    filters: search.filters ?? [],
    columns: search.columns,
    view: search.view,
  };
}

export function searchFromState(state: ListState): ListSearch {
  return {
    q: state.q || undefined,
    sort: state.sort,
    filters: state.filters.length > 0 ? state.filters : undefined,
    columns: state.columns,
    view: state.view,
  };
}

/** Whether two list states show the same list (columns, filters, search, sort). */
export function sameList(a: ListState, b: ListState): boolean {
  const filters = (state: ListState) => JSON.stringify(Object.entries(toViewFilters(state)).sort(([x], [y]) => x.localeCompare(y)));
  return (
    a.q.trim() === b.q.trim() &&
    (a.sort ?? "") === (b.sort ?? "") &&
    filters(a) === filters(b) &&
    JSON.stringify(a.columns ?? null) === JSON.stringify(b.columns ?? null)
  );
}
