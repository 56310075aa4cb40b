import { createFileRoute, redirect } from "@tanstack/react-router";

// The start page is the status page until the CRM screens land.
export const Route = createFileRoute("/")({
  beforeLoad: () => {
    throw redirect({ to: "/status", replace: true });
  },
});
