import { createFileRoute } from "@tanstack/react-router";
import { requireSettingsPage } from "@/modules/settings/guard";
import { AuditPage } from "@/modules/settings/AuditPage";

export const Route = createFileRoute("/_app/settings/audit")({
  beforeLoad: ({ context }) => requireSettingsPage("/settings/audit", context.me),
  component: AuditPage,
});
