import { createFileRoute, notFound } from "@tanstack/react-router";
import { can } from "@/lib/auth/me";
import { CompanyPage } from "@/modules/record/CompanyPage";

export const Route = createFileRoute("/_app/companies/$companyId")({
  // Absent, not forbidden: without read access there is no company page.
  beforeLoad: ({ context }) => {
    if (!can(context.me, "companies:read")) throw notFound();
  },
  component: CompanyRoute,
});

function CompanyRoute() {
  const { companyId } = Route.useParams();
  // Keyed by id: moving to another company starts with fresh page state (editors, dialogs).
  return <CompanyPage key={companyId} id={companyId} />;
}
