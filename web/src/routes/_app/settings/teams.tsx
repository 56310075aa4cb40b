import { createFileRoute } from "@tanstack/react-router";
import { requireSettingsPage } from "@/modules/settings/guard";
import { TeamsPage } from "@/modules/settings/TeamsPage";

export const Route = createFileRoute("/_app/settings/teams")({
  beforeLoad: ({ context }) => requireSettingsPage("/settings/teams", context.me),
  component: TeamsPage,
});
