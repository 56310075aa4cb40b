import { createFileRoute, notFound } from "@tanstack/react-router";
import { can } from "@/lib/auth/me";
import { NewImportPage } from "@/modules/imports/NewImportPage";

export const Route = createFileRoute("/_app/imports/new")({
  beforeLoad: ({ context }) => {
    if (!can(context.me, "imports:create")) throw notFound();
  },
  component: NewImportPage,
});
