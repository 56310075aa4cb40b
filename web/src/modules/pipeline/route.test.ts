import { describe, expect, it } from "vitest";
import { buildNavigation } from "@/components/layout/navigation";
import { validateBoardSearch } from "./route";

describe("pipeline route", () => {
  it("shows Pipeline in the navigation only to roles that read deals", () => {
    expect(buildNavigation({ permissions: { "deals:read": "own" } }).map((i) => i.label)).toContain("Pipeline");
    expect(buildNavigation({ permissions: { "deals:read": "none" } }).map((i) => i.label)).not.toContain("Pipeline");
    expect(buildNavigation({ permissions: {} }).map((i) => i.label)).not.toContain("Pipeline");
  });

  it("keeps well-formed filters from the URL and drops the rest", () => {
    const owner = "0b8f6a8e-8a51-4c5e-9d1e-2f3a4b5c6d7e";
    expect(validateBoardSearch({ owner, close_before: "2026-12-31" })).toEqual({ owner, close_before: "2026-12-31" });
    expect(validateBoardSearch({ owner: "x'; drop", close_before: "tomorrow" })).toEqual({});
  });
});
