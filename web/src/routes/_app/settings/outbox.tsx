import { createFileRoute } from "@tanstack/react-router";
import { requireSettingsPage } from "@/modules/settings/guard";
import { OutboxPage } from "@/modules/settings/OutboxPage";

export const Route = createFileRoute("/_app/settings/outbox")({
  beforeLoad: ({ context }) => requireSettingsPage("/settings/outbox", context.me),
  component: OutboxPage,
});
