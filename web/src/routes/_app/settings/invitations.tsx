import { createFileRoute } from "@tanstack/react-router";
import { requireSettingsPage } from "@/modules/settings/guard";
import { InvitationsPage } from "@/modules/settings/InvitationsPage";

export const Route = createFileRoute("/_app/settings/invitations")({
  beforeLoad: ({ context }) => requireSettingsPage("/settings/invitations", context.me),
  component: InvitationsPage,
});
