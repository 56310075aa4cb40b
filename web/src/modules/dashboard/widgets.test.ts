import { describe, expect, it } from "vitest";
import { usesRange, widgetsFor } from "./widgets";

const all = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, "all"]));
const everything = all(["deals:read", "pipelines:read", "leads:read", "activities:read", "deal_amounts:read"]);

describe("dashboard widgets", () => {
  it("gives each role its own widgets", () => {
    expect(widgetsFor({ role: "admin", permissions: everything })).toEqual(["pipeline", "winRate", "closing", "topAccounts", "leadSources", "activities"]);
    expect(widgetsFor({ role: "sales", permissions: { ...everything, "deals:read": "own" } })).toEqual(["pipeline", "winRate", "closing", "topAccounts", "activities"]);
    expect(widgetsFor({ role: "marketing", permissions: everything })).toEqual(["leadSources"]);
    expect(widgetsFor({ role: "support", permissions: everything })).toEqual(["activities"]);
  });

  it("drops widgets whose data the user may not read", () => {
    expect(widgetsFor({ role: "sales", permissions: { ...everything, "deals:read": "none" } })).toEqual(["activities"]);
    expect(widgetsFor({ role: "marketing", permissions: {} })).toEqual([]);
    expect(widgetsFor({ role: "someone", permissions: everything })).toEqual([]);
  });

  it("knows when the date range matters", () => {
    expect(usesRange(["activities"])).toBe(false);
    expect(usesRange(["leadSources"])).toBe(true);
  });
});
