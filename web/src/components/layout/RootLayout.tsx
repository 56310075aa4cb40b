import { Outlet } from "@tanstack/react-router";
import { AppShell } from "./AppShell";
import { mainNavigation } from "./navigation";

export function RootLayout() {
  return (
    <AppShell navItems={mainNavigation}>
      <Outlet />
    </AppShell>
  );
}
