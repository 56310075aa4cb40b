import { createFileRoute, notFound } from "@tanstack/react-router";
import { can } from "@/lib/auth/me";
import { LeadPage } from "@/modules/record/LeadPage";

export const Route = createFileRoute("/_app/leads/$leadId")({
  // Absent, not forbidden: without read access there is no lead page.
  beforeLoad: ({ context }) => {
    if (!can(context.me, "leads:read")) throw notFound();
  },
  component: LeadRoute,
});

function LeadRoute() {
  const { leadId } = Route.useParams();
  // Keyed by id: moving to another lead starts with fresh page state (editors, dialogs).
  return <LeadPage key={leadId} id={leadId} />;
}
