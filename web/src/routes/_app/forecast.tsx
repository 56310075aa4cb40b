import { createFileRoute, notFound } from "@tanstack/react-router";
import { can } from "@/lib/auth/me";
import { ForecastPage } from "@/modules/forecast/ForecastPage";

export const Route = createFileRoute("/_app/forecast")({
  beforeLoad: ({ context }) => {
    if (!can(context.me, "deals:read") || !can(context.me, "deal_amounts:read")) throw notFound();
  },
  component: ForecastPage,
});
