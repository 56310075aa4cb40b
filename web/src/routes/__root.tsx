import type { QueryClient } from "@tanstack/react-query";
import { createRootRouteWithContext } from "@tanstack/react-router";
import { RootNotFoundPage } from "@/components/layout/NotFoundPage";
import { RootLayout } from "@/components/layout/RootLayout";
import { RouteErrorPage } from "@/components/layout/RouteErrorPage";
import type { AuthClient } from "@/lib/auth/AuthClient";

export type RouterContext = { queryClient: QueryClient; auth: AuthClient };

export const Route = createRootRouteWithContext<RouterContext>()({
  component: RootLayout,
  notFoundComponent: RootNotFoundPage,
  errorComponent: RouteErrorPage,
});
