import { createFileRoute, useRouter } from "@tanstack/react-router";
import { validateTokenSearch } from "@/lib/auth/search";
import { AcceptInvitationPage } from "@/modules/auth/AcceptInvitationPage";

// Open whether signed in or not: someone signed in elsewhere may accept an invitation to
// another organisation (the new session replaces the current one).
export const Route = createFileRoute("/_auth/accept-invitation")({
  validateSearch: validateTokenSearch,
  component: function AcceptInvitationRoute() {
    const { token } = Route.useSearch();
    const router = useRouter();
    return <AcceptInvitationPage token={token} onAccepted={() => router.history.replace("/")} />;
  },
});
