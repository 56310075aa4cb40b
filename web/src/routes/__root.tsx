import type { QueryClient } from "@tanstack/react-query";
import { createRootRouteWithContext } from "@tanstack/react-router";
import { NotFoundPage } from "@/components/layout/NotFoundPage";
import { RootLayout } from "@/components/layout/RootLayout";
import { RouteErrorPage } from "@/components/layout/RouteErrorPage";

export type RouterContext = { queryClient: QueryClient };

export const Route = createRootRouteWithContext<RouterContext>()({
  component: RootLayout,
  notFoundComponent: NotFoundPage,
  errorComponent: RouteErrorPage,
});
