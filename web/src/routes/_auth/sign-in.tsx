import { createFileRoute, redirect, useRouter } from "@tanstack/react-router";
import { safeRedirect } from "@/lib/auth/redirect";
import { validateSignInSearch } from "@/lib/auth/search";
import { SignInPage } from "@/modules/auth/SignInPage";

export const Route = createFileRoute("/_auth/sign-in")({
  validateSearch: validateSignInSearch,
  beforeLoad: async ({ context, search }) => {
    const state = await context.auth.ready();
    if (state.status === "signed_in") throw redirect({ href: safeRedirect(search.redirect), replace: true });
  },
  component: function SignInRoute() {
    const { redirect: target, sso_error: ssoError, org } = Route.useSearch();
    const router = useRouter();
    return <SignInPage ssoError={ssoError} organization={org} onSignedIn={() => router.history.replace(safeRedirect(target))} />;
  },
});
