import { createFileRoute } from "@tanstack/react-router";
import { requireSettingsPage } from "@/modules/settings/guard";
import { FlagsPage } from "@/modules/settings/FlagsPage";

export const Route = createFileRoute("/_app/settings/flags")({
  beforeLoad: ({ context }) => requireSettingsPage("/settings/flags", context.me),
  component: FlagsPage,
});
