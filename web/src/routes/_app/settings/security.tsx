import { createFileRoute } from "@tanstack/react-router";
import { requireSettingsPage } from "@/modules/settings/guard";
import { OrganizationSecurityPage } from "@/modules/settings/OrganizationSecurityPage";

export const Route = createFileRoute("/_app/settings/security")({
  beforeLoad: ({ context }) => requireSettingsPage("/settings/security", context.me),
  component: OrganizationSecurityPage,
});
