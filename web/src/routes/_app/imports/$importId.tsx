import { createFileRoute, notFound } from "@tanstack/react-router";
import { can } from "@/lib/auth/me";
import { ImportPage } from "@/modules/imports/ImportPage";

export const Route = createFileRoute("/_app/imports/$importId")({
  beforeLoad: ({ context }) => {
    if (!can(context.me, "imports:read")) throw notFound();
  },
  component: function ImportRoute() {
    const { importId } = Route.useParams();
    return <ImportPage key={importId} importId={importId} />;
  },
});
