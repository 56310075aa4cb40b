import { createFileRoute, notFound } from "@tanstack/react-router";
import { can } from "@/lib/auth/me";
import { ImportsPage } from "@/modules/imports/ImportsPage";

export const Route = createFileRoute("/_app/imports/")({
  beforeLoad: ({ context }) => {
    if (!can(context.me, "imports:read")) throw notFound();
  },
  component: function ImportsRoute() {
    const { me } = Route.useRouteContext();
    return <ImportsPage canCreate={can(me, "imports:create")} />;
  },
});
