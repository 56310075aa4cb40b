import type { LinkProps } from "@tanstack/react-router";
import { can, canAny, type Me } from "@/lib/auth/me";

export type SettingsPage = {
  to: NonNullable<LinkProps["to"]>;
  label: string;
  description: string;
  /** Whether the signed-in user may use this page (the server enforces the same permissions). */
  allowed: (me: Pick<Me, "permissions">) => boolean;
};

/** The organisation's settings, in menu order. A page shows only to whoever may use it. */
export const settingsPages: SettingsPage[] = [
  {
    to: "/settings/members",
    label: "Members",
    description: "People in the organisation, their roles and MFA.",
    allowed: (me) => canAny(me, ["users:update", "users:delete"]),
  },
  {
    to: "/settings/invitations",
    label: "Invitations",
    description: "Invite people by e-mail with a role.",
    allowed: (me) => can(me, "invitations:read"),
  },
  {
    to: "/settings/roles",
    label: "Roles & permissions",
    description: "What each role may do, and on which records.",
    allowed: (me) => can(me, "roles:read"),
  },
  {
    to: "/settings/teams",
    label: "Teams",
    description: "Groups of members for team-scoped access.",
    allowed: (me) => canAny(me, ["teams:create", "teams:update", "teams:delete"]),
  },
  {
    to: "/settings/pipelines",
    label: "Pipelines",
    description: "Pipelines and their stages: probabilities, won/lost, order.",
    allowed: (me) => canAny(me, ["pipelines:create", "pipelines:update", "pipelines:delete"]),
  },
  {
    to: "/settings/security",
    label: "Organisation security",
    description: "Organisation name and who must use MFA.",
    allowed: (me) => can(me, "organization:update"),
  },
  {
    to: "/settings/sign-ins",
    label: "Sign-ins & devices",
    description: "Everyone's sessions, and sign-ins from new devices.",
    allowed: (me) => can(me, "sessions:read"),
  },
  {
    to: "/settings/custom-fields",
    label: "Custom fields",
    description: "Your own fields on contacts, companies, leads and deals.",
    allowed: (me) => canAny(me, ["custom_fields:create", "custom_fields:update", "custom_fields:delete"]),
  },
  {
    to: "/settings/flags",
    label: "Feature flags",
    description: "Turn features on or off for everyone or per role.",
    allowed: (me) => can(me, "flags:update"),
  },
  {
    to: "/settings/api-keys",
    label: "API keys",
    description: "Keys for integrations, limited to chosen permissions.",
    allowed: (me) => can(me, "api_keys:read"),
  },
  {
    to: "/settings/audit",
    label: "Audit log",
    description: "Every change and security event, with filters and export.",
    allowed: (me) => can(me, "audit:read"),
  },
  {
    to: "/settings/outbox",
    label: "E-mail outbox",
    description: "Messages the CRM sent: invitations, password resets.",
    allowed: (me) => can(me, "outbox:read"),
  },
];

export function allowedSettingsPages(me: Pick<Me, "permissions">): SettingsPage[] {
  return settingsPages.filter((page) => page.allowed(me));
}
