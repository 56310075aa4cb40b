import { createFileRoute, notFound } from "@tanstack/react-router";
import { can } from "@/lib/auth/me";
import { ContactPage } from "@/modules/record/ContactPage";

export const Route = createFileRoute("/_app/contacts/$contactId")({
  // Absent, not forbidden: without read access there is no contact page.
  beforeLoad: ({ context }) => {
    if (!can(context.me, "contacts:read")) throw notFound();
  },
  component: ContactRoute,
});

function ContactRoute() {
  const { contactId } = Route.useParams();
  // Keyed by id: moving to another contact starts with fresh page state (editors, dialogs).
  return <ContactPage key={contactId} id={contactId} />;
}
