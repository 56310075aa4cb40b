import { createFileRoute } from "@tanstack/react-router";
import { AccountLayout } from "@/modules/account/AccountLayout";

export const Route = createFileRoute("/_app/account")({
  component: AccountLayout,
});
