import { createFileRoute } from "@tanstack/react-router";
import { requireSettingsPage } from "@/modules/settings/guard";
import { MembersPage } from "@/modules/settings/MembersPage";

export const Route = createFileRoute("/_app/settings/members")({
  beforeLoad: ({ context }) => requireSettingsPage("/settings/members", context.me),
  component: MembersPage,
});
