import { createFileRoute, redirect } from "@tanstack/react-router";
import { allowedSettingsPages } from "@/modules/settings/settingsPages";

export const Route = createFileRoute("/_app/settings/")({
  beforeLoad: ({ context }) => {
    const first = allowedSettingsPages(context.me)[0];
    if (first) throw redirect({ to: first.to, replace: true });
  },
});
