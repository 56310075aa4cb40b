import { createFileRoute, redirect } from "@tanstack/react-router";
import { AppLayout } from "@/components/layout/AppLayout";
import { meQueryOptions } from "@/lib/auth/me";

export const Route = createFileRoute("/_app")({
  beforeLoad: async ({ context, location }) => {
    const state = await context.auth.ready();
    if (state.status !== "signed_in") {
      throw redirect({ to: "/sign-in", search: { redirect: location.href }, replace: true });
    }
    if (state.session.mfaEnrollmentRequired) {
      throw redirect({ to: "/setup-mfa", search: { redirect: location.href }, replace: true });
    }
    // Cached if present (kept fresh by the query itself), fetched otherwise.
    const me = await context.queryClient.query({ ...meQueryOptions(), staleTime: "static" });
    return { me };
  },
  component: AppLayout,
});
