import type { QueryClient } from "@tanstack/react-query";
import type { AuthClient, AuthState } from "./AuthClient";
import { meQueryKey } from "./me";

/** What, in the auth state, changes what the app may show (a token refresh alone does not). */
function identity(state: AuthState): string {
  if (state.status !== "signed_in") return state.status;
  const { organizationId, role, mfaEnrollmentRequired } = state.session;
  return `${organizationId}|${role}|${String(mfaEnrollmentRequired)}`;
}

/**
 * Keeps the app in step with the session: leaving a session (sign-out, expiry, another
 * organisation) drops every cached answer so no tenant's data outlives its session; any change
 * re-runs the route guards, which redirect to sign-in or MFA enrolment as needed.
 */
export function connectAuth(auth: AuthClient, queryClient: QueryClient, invalidateRoutes: () => void): () => void {
  let last = auth.getState();
  return auth.subscribe(() => {
    const next = auth.getState();
    const previous = last;
    last = next;
    if (identity(previous) === identity(next)) return;
    if (previous.status === "signed_in" && next.status !== "signed_in") {
      queryClient.clear();
    } else if (
      previous.status === "signed_in" &&
      next.status === "signed_in" &&
      next.session.organizationId !== previous.session.organizationId
    ) {
      // Another organisation: drop what is not on screen, and reset what is (its observers then
      // refetch under the new session; clear() would leave them showing the old tenant's data).
      queryClient.removeQueries({ type: "inactive" });
      void queryClient.resetQueries({ type: "active" });
    } else {
      void queryClient.invalidateQueries({ queryKey: meQueryKey });
    }
    invalidateRoutes();
  });
}
