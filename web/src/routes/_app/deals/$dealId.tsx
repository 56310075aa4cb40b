import { createFileRoute, notFound } from "@tanstack/react-router";
import { can } from "@/lib/auth/me";
import { DealPage } from "@/modules/record/DealPage";

export const Route = createFileRoute("/_app/deals/$dealId")({
  // Absent, not forbidden: without read access there is no deal page.
  beforeLoad: ({ context }) => {
    if (!can(context.me, "deals:read")) throw notFound();
  },
  component: DealRoute,
});

function DealRoute() {
  const { dealId } = Route.useParams();
  // Keyed by id: moving to another deal starts with fresh page state (editors, dialogs).
  return <DealPage key={dealId} id={dealId} />;
}
