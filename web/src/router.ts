import { createRouter } from "@tanstack/react-router";
import type { QueryClient } from "@tanstack/react-query";
import { NotFoundPage } from "@/components/layout/NotFoundPage";
import type { AuthClient } from "@/lib/auth/AuthClient";
import { routeTree } from "./routeTree.gen";

export function createAppRouter(queryClient: QueryClient, auth: AuthClient) {
  return createRouter({
    routeTree,
    context: { queryClient, auth },
    defaultPreload: "intent",
    // Route data lives in TanStack Query, which decides freshness itself.
    defaultPreloadStaleTime: 0,
    scrollRestoration: true,
    // Inside a layout (e.g. /settings/unknown) the page shows within that layout.
    defaultNotFoundComponent: NotFoundPage,
  });
}

declare module "@tanstack/react-router" {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
