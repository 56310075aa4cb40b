import { createFileRoute, redirect, useRouter } from "@tanstack/react-router";
import { safeRedirect } from "@/lib/auth/redirect";
import { validateRedirectSearch } from "@/lib/auth/search";
import { SetupMfaPage } from "@/modules/auth/SetupMfaPage";

export const Route = createFileRoute("/_auth/setup-mfa")({
  validateSearch: validateRedirectSearch,
  beforeLoad: async ({ context, search }) => {
    const state = await context.auth.ready();
    if (state.status !== "signed_in") throw redirect({ to: "/sign-in", replace: true });
    if (!state.session.mfaEnrollmentRequired) throw redirect({ href: safeRedirect(search.redirect), replace: true });
  },
  component: function SetupMfaRoute() {
    const { redirect: target } = Route.useSearch();
    const router = useRouter();
    return (
      <SetupMfaPage
        onDone={() => router.history.replace(safeRedirect(target))}
        onSignedOut={() => router.history.replace("/sign-in")}
      />
    );
  },
});
