import { createFileRoute } from "@tanstack/react-router";
import { SessionsPage } from "@/modules/account/SessionsPage";

export const Route = createFileRoute("/_app/account/sessions")({
  component: SessionsPage,
});
