import { createFileRoute, notFound } from "@tanstack/react-router";
import { can } from "@/lib/auth/me";
import { DuplicatesPage } from "@/modules/duplicates/DuplicatesPage";

export const Route = createFileRoute("/_app/duplicates")({
  beforeLoad: ({ context }) => {
    if (!can(context.me, "duplicates:read")) throw notFound();
  },
  component: function DuplicatesRoute() {
    const { me } = Route.useRouteContext();
    return <DuplicatesPage canMerge={can(me, "duplicates:update")} />;
  },
});
