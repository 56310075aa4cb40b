import { useId, useState, type ReactNode } from "react";
import type { Me } from "@/lib/auth/me";
import type { NavItem } from "./navigation";
import { SideNav } from "./SideNav";
import { TopBar } from "./TopBar";

export type AppShellProps = {
  navItems: NavItem[];
  /** The signed-in user (user menu, organisation switcher); omitted for visitors. */
  me?: Me | undefined;
  /** Signed out: the top bar offers "Sign in". */
  visitor?: boolean;
  children: ReactNode;
};

export function AppShell({ navItems, me, visitor = false, children }: AppShellProps) {
  const [navOpen, setNavOpen] = useState(false);
  const navId = useId();
  const hasNav = navItems.length > 0;

  return (
    <div className="min-h-dvh">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded-md focus:bg-surface focus:px-3 focus:py-2 focus:shadow-card"
      >
        Skip to content
      </a>
      <TopBar
        navId={navId}
        navOpen={navOpen}
        onToggleNav={hasNav ? () => setNavOpen((open) => !open) : undefined}
        me={me}
        visitor={visitor}
      />
      <div className="flex">
        {hasNav && <SideNav id={navId} items={navItems} open={navOpen} onNavigate={() => setNavOpen(false)} />}
        <main id="main" tabIndex={-1} className="min-w-0 flex-1 px-4 py-6 outline-none sm:px-6 lg:px-10 lg:py-8">
          {children}
        </main>
      </div>
    </div>
  );
}
