import { createFileRoute } from "@tanstack/react-router";
import { SecurityPage } from "@/modules/account/SecurityPage";

export const Route = createFileRoute("/_app/account/security")({
  component: SecurityPage,
});
