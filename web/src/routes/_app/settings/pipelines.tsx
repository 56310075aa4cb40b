import { createFileRoute } from "@tanstack/react-router";
import { PipelinesSettingsPage } from "@/modules/pipeline/PipelinesSettingsPage";
import { requireSettingsPage } from "@/modules/settings/guard";

export const Route = createFileRoute("/_app/settings/pipelines")({
  beforeLoad: ({ context }) => requireSettingsPage("/settings/pipelines", context.me),
  component: PipelinesSettingsPage,
});
