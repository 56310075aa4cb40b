import { createFileRoute } from "@tanstack/react-router";
import { requireSettingsPage } from "@/modules/settings/guard";
import { RolesPage } from "@/modules/settings/RolesPage";

export const Route = createFileRoute("/_app/settings/roles")({
  beforeLoad: ({ context }) => requireSettingsPage("/settings/roles", context.me),
  component: RolesPage,
});
