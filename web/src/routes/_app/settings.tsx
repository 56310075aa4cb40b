import { createFileRoute, notFound } from "@tanstack/react-router";
import { SettingsLayout } from "@/modules/settings/SettingsLayout";
import { allowedSettingsPages } from "@/modules/settings/settingsPages";

export const Route = createFileRoute("/_app/settings")({
  beforeLoad: ({ context }) => {
    // Absent, not forbidden: someone who may use no settings page has no settings area.
    if (allowedSettingsPages(context.me).length === 0) throw notFound();
  },
  component: SettingsLayout,
});
