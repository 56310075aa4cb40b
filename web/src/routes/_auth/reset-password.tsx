import { createFileRoute } from "@tanstack/react-router";
import { validateTokenSearch } from "@/lib/auth/search";
import { ResetPasswordPage } from "@/modules/auth/ResetPasswordPage";

export const Route = createFileRoute("/_auth/reset-password")({
  validateSearch: validateTokenSearch,
  component: function ResetPasswordRoute() {
    const { token } = Route.useSearch();
    return <ResetPasswordPage token={token} />;
  },
});
