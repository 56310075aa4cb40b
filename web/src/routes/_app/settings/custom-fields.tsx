import { createFileRoute } from "@tanstack/react-router";
import { CustomFieldsPage } from "@/modules/settings/CustomFieldsPage";
import { requireSettingsPage } from "@/modules/settings/guard";

export const Route = createFileRoute("/_app/settings/custom-fields")({
  beforeLoad: ({ context }) => requireSettingsPage("/settings/custom-fields", context.me),
  component: CustomFieldsPage,
});
