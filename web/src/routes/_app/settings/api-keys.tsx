import { createFileRoute } from "@tanstack/react-router";
import { requireSettingsPage } from "@/modules/settings/guard";
import { ApiKeysPage } from "@/modules/settings/ApiKeysPage";

export const Route = createFileRoute("/_app/settings/api-keys")({
  beforeLoad: ({ context }) => requireSettingsPage("/settings/api-keys", context.me),
  component: ApiKeysPage,
});
