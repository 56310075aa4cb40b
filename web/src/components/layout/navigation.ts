import type { LinkProps } from "@tanstack/react-router";
import { can, type Me } from "@/lib/auth/me";
import { allowedSettingsPages } from "@/modules/settings/settingsPages";

export type NavItem = {
  to: NonNullable<LinkProps["to"]>;
  label: string;
  /** Active for the whole subtree (e.g. /settings/*), not just the exact path. */
  fuzzy?: boolean;
};

/**
 * The left navigation for this user: only areas whose backend exists and that the user's
 * permissions let them use. Absent, not disabled: the server enforces the same rules.
 */
export function buildNavigation(me: Pick<Me, "permissions">): NavItem[] {
  const items: NavItem[] = [{ to: "/", label: "Home" }];
  if (can(me, "deals:read")) items.push({ to: "/pipeline", label: "Pipeline", fuzzy: true });
  // Record lists: each shows only to roles that may read its records.
  if (can(me, "contacts:read")) items.push({ to: "/contacts", label: "Contacts", fuzzy: true });
  if (can(me, "companies:read")) items.push({ to: "/companies", label: "Companies", fuzzy: true });
  if (can(me, "leads:read")) items.push({ to: "/leads", label: "Leads", fuzzy: true });
  if (can(me, "deals:read")) items.push({ to: "/deals", label: "Deals", fuzzy: true });
  if (can(me, "deals:read") && can(me, "deal_amounts:read")) items.push({ to: "/forecast", label: "Forecast" });
  if (can(me, "imports:read")) items.push({ to: "/imports", label: "Imports", fuzzy: true });
  if (can(me, "duplicates:read")) items.push({ to: "/duplicates", label: "Duplicates" });
  if (allowedSettingsPages(me).length > 0) items.push({ to: "/settings", label: "Settings", fuzzy: true });
  items.push({ to: "/status", label: "System status" });
  return items;
}
