import { Link } from "@tanstack/react-router";
import { Button } from "@/components/ui/Button";
import { can, type Me } from "@/lib/auth/me";
import { NotificationBell } from "@/modules/notifications/NotificationBell";
import { SearchButton } from "@/modules/search/SearchButton";
import { buildNavigation } from "./navigation";
import { OrganizationSwitcher } from "./OrganizationSwitcher";
import { UserMenu } from "./UserMenu";

export type TopBarProps = {
  /** Omitted when there is no navigation to open. */
  onToggleNav?: (() => void) | undefined;
  navOpen: boolean;
  navId: string;
  me?: Me | undefined;
  visitor?: boolean;
};

export function TopBar({ onToggleNav, navOpen, navId, me, visitor = false }: TopBarProps) {
  return (
    <header className="sticky top-0 z-30 flex h-topbar items-center gap-2 border-b border-border bg-surface/95 px-3 backdrop-blur sm:px-4">
      {onToggleNav && (
        <Button
          variant="ghost"
          size="icon"
          className="md:hidden"
          aria-label={navOpen ? "Close navigation" : "Open navigation"}
          aria-expanded={navOpen}
          aria-controls={navId}
          onClick={onToggleNav}
        >
          <svg aria-hidden="true" viewBox="0 0 20 20" className="size-5" fill="none" stroke="currentColor" strokeWidth="1.75" strokeLinecap="round">
            {navOpen ? <path d="M5 5l10 10M15 5L5 15" /> : <path d="M3.5 6h13M3.5 10h13M3.5 14h13" />}
          </svg>
        </Button>
      )}
      <Link to="/" className="flex min-w-0 items-center gap-2 rounded-md px-1 py-1 font-semibold tracking-tight text-fg">
        <img src="/favicon.svg" alt="" className="size-6 shrink-0" width={24} height={24} />
        <span className="hidden truncate min-[420px]:inline">CliniGlobal CRM</span>
      </Link>
      {me && can(me, "search:read") && (
        <div className="ml-auto flex min-w-0 justify-end sm:ml-4 sm:flex-1 sm:justify-start">
          <SearchButton me={me} pages={buildNavigation(me)} />
        </div>
      )}
      <div className={me && can(me, "search:read") ? "flex min-w-0 items-center gap-1.5 sm:ml-auto" : "ml-auto flex min-w-0 items-center gap-1.5"}>
        {me ? (
          <>
            <NotificationBell />
            {me.organizations.length > 1 && <OrganizationSwitcher me={me} />}
            <UserMenu me={me} />
          </>
        ) : (
          visitor && (
            <Button asChild size="sm">
              <Link to="/sign-in">Sign in</Link>
            </Button>
          )
        )}
      </div>
    </header>
  );
}
