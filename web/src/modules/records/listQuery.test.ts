import { describe, expect, it } from "vitest";
import {
  customFilterFields,
  filterKey,
  fromView,
  parseFilterKey,
  parseListSearch,
  sameList,
  searchFromState,
  stateFromSearch,
  toQueryParams,
  toViewFilters,
  type ListState,
} from "./listQuery";

const base: ListState = { q: "", sort: undefined, filters: [], columns: undefined, view: undefined };

describe("list query", () => {
  it("turns filters, search and sort into the list endpoint's parameters", () => {
    const params = toQueryParams({
      q: "  ada ",
      sort: "-updated_at",
      filters: [
        { field: "lifecycle_stage", op: "eq", value: "patient" },
        { field: "cf.visits", op: "gte", value: "3" },
        { field: "tags", op: "contains", value: " vip " },
        { field: "job_title", op: "contains", value: "   " },
      ],
    });
    expect(params).toEqual({ lifecycle_stage: "patient", "cf.visits__gte": "3", tags__contains: "vip", q: "ada", sort: "-updated_at" });
  });

  it("reads operators back from parameter names, keeping custom-field keys whole", () => {
    expect(parseFilterKey("cf.visit_count__lte")).toEqual({ field: "cf.visit_count", op: "lte" });
    expect(parseFilterKey("owner_id")).toEqual({ field: "owner_id", op: "eq" });
    expect(parseFilterKey("a__b")).toEqual({ field: "a__b", op: "eq" });
    expect(filterKey({ field: "status", op: "in" })).toBe("status__in");
  });

  it("round-trips a saved view (search kept as the q filter)", () => {
    const state: ListState = {
      q: "london",
      sort: "name",
      filters: [{ field: "status", op: "in", value: "new,contacted" }],
      columns: ["name", "score", "cf.segment"],
      view: undefined,
    };
    const filters = toViewFilters(state);
    expect(filters).toEqual({ status__in: "new,contacted", q: "london" });
    const back = fromView({ id: "11111111-1111-4111-8111-111111111111", columns: state.columns ?? [], filters, sort: "name" });
    expect(back).toEqual({ ...state, view: "11111111-1111-4111-8111-111111111111" });
    expect(sameList(back, state)).toBe(true);
    expect(sameList(back, { ...state, sort: "-name" })).toBe(false);
    expect(sameList(back, { ...state, filters: [] })).toBe(false);
  });

  it("joins a list-valued view filter with commas", () => {
    const state = fromView({ id: "v", columns: [], filters: { tags__contains: ["a", "b"] }, sort: null });
    expect(state.filters).toEqual([{ field: "tags", op: "contains", value: "a,b" }]);
    expect(state.columns).toBeUndefined();
  });

  it("keeps well-formed URL state and drops the rest", () => {
    const parsed = parseListSearch({
      q: "x",
      sort: "-score; drop table",
      filters: [{ field: "status", op: "eq", value: "new" }, { field: "x", op: "like", value: "y" }, "junk"],
      columns: ["name", 3],
      view: "not-a-uuid",
    });
    expect(parsed).toEqual({ q: "x", filters: [{ field: "status", op: "eq", value: "new" }], columns: ["name"] });
    expect(searchFromState(stateFromSearch(parsed))).toEqual({ ...parsed, sort: undefined, view: undefined });
    expect(stateFromSearch({})).toEqual(base);
  });

  it("lets PII custom fields filter only by exact value", () => {
    const fields = customFilterFields([
      { id: "1", object_type: "contact", key: "nhs", label: "NHS number", field_type: "text", required: false, is_pii: true, options: null, currency: null, position: 0 },
      { id: "2", object_type: "contact", key: "tier", label: "Tier", field_type: "select", required: false, is_pii: false, options: ["gold"], currency: null, position: 1 },
      { id: "3", object_type: "contact", key: "ltv", label: "LTV", field_type: "currency", required: false, is_pii: false, options: null, currency: "EUR", position: 2 },
    ]);
    expect(fields.map((f) => [f.name, f.kind])).toEqual([
      ["cf.nhs", "encrypted"],
      ["cf.tier", "enum"],
      ["cf.ltv", "number"],
    ]);
    expect(fields[1]?.choices).toEqual(["gold"]);
  });
});
