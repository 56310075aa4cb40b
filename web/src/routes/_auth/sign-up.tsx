import { createFileRoute, redirect, useRouter } from "@tanstack/react-router";
import { SignUpPage } from "@/modules/auth/SignUpPage";

export const Route = createFileRoute("/_auth/sign-up")({
  beforeLoad: async ({ context }) => {
    const state = await context.auth.ready();
    if (state.status === "signed_in") throw redirect({ to: "/", replace: true });
  },
  component: function SignUpRoute() {
    const router = useRouter();
    return <SignUpPage onSignedUp={() => router.history.replace("/")} />;
  },
});
