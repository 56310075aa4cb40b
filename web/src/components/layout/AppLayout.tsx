import { useSuspenseQuery } from "@tanstack/react-query";
import { Outlet } from "@tanstack/react-router";
import { meQueryOptions } from "@/lib/auth/me";
import { AppShell } from "./AppShell";
import { buildNavigation } from "./navigation";

/** The signed-in app: navigation built from the user's permissions around the page. */
export function AppLayout() {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  return (
    <AppShell navItems={buildNavigation(me)} me={me}>
      <Outlet />
    </AppShell>
  );
}
