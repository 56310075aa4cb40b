import { createFileRoute } from "@tanstack/react-router";
import { requireSettingsPage } from "@/modules/settings/guard";
import { SignInsPage } from "@/modules/settings/SignInsPage";

export const Route = createFileRoute("/_app/settings/sign-ins")({
  beforeLoad: ({ context }) => requireSettingsPage("/settings/sign-ins", context.me),
  component: SignInsPage,
});
