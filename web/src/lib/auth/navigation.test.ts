import { describe, expect, it } from "vitest";
import { buildNavigation } from "@/components/layout/navigation";
import { allowedSettingsPages } from "@/modules/settings/settingsPages";
import { can } from "./me";
import { safeRedirect } from "./redirect";

const admin = {
  permissions: Object.fromEntries(
    ["users:read", "users:update", "users:delete", "invitations:read", "invitations:create", "roles:read", "roles:update", "teams:read", "teams:create", "organization:read", "organization:update", "sessions:read", "outbox:read"].map((p) => [p, "all"]),
  ),
};
const sales = { permissions: { "organization:read": "all", "users:read": "all", "teams:read": "all", "jobs:read": "own" } };

describe("role-aware navigation", () => {
  it("gives admins the settings area with every page", () => {
    expect(buildNavigation(admin).map((i) => i.label)).toEqual(["Home", "Settings", "System status"]);
    expect(allowedSettingsPages(admin).map((p) => p.to)).toEqual([
      "/settings/members",
      "/settings/invitations",
      "/settings/roles",
      "/settings/teams",
      "/settings/security",
      "/settings/sign-ins",
      "/settings/outbox",
    ]);
  });

  it("leaves the settings area out for roles that may only read", () => {
    expect(buildNavigation(sales).map((i) => i.label)).toEqual(["Home", "System status"]);
    expect(allowedSettingsPages(sales)).toEqual([]);
  });

  it("shows a single page to a role granted just that permission", () => {
    const support = { permissions: { ...sales.permissions, "outbox:read": "all" } };
    expect(allowedSettingsPages(support).map((p) => p.label)).toEqual(["E-mail outbox"]);
    expect(buildNavigation(support).map((i) => i.label)).toContain("Settings");
  });

  it("shows each record list only to roles that may read those records", () => {
    const support = { permissions: { ...sales.permissions, "contacts:read": "all", "companies:read": "all", "leads:read": "none" } };
    const labels = buildNavigation(support).map((i) => i.label);
    expect(labels).toContain("Contacts");
    expect(labels).toContain("Companies");
    expect(labels).not.toContain("Leads");
    expect(labels).not.toContain("Deals");
  });

  it("treats the scope 'none' as no permission", () => {
    expect(can({ permissions: { "roles:read": "none" } }, "roles:read")).toBe(false);
    expect(can({ permissions: { "roles:read": "own" } }, "roles:read")).toBe(true);
  });
});

describe("safeRedirect", () => {
  it("keeps paths on this site and refuses everything else", () => {
    expect(safeRedirect("/settings/members?x=1")).toBe("/settings/members?x=1");
    expect(safeRedirect("//evil.example/path")).toBe("/");
    expect(safeRedirect("https://evil.example")).toBe("/");
    expect(safeRedirect("/\\evil.example")).toBe("/");
    expect(safeRedirect(undefined)).toBe("/");
  });
});
