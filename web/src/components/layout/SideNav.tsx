import { Link } from "@tanstack/react-router";
import { cn } from "@/lib/cn";
import type { NavItem } from "./navigation";

export type SideNavProps = {
  id: string;
  items: NavItem[];
  /** Visibility on small screens; from md up the nav is always shown. */
  open: boolean;
  onNavigate: () => void;
};

export function SideNav({ id, items, open, onNavigate }: SideNavProps) {
  return (
    <nav
      id={id}
      aria-label="Main"
      className={cn(
        "fixed inset-x-0 top-topbar bottom-0 z-20 overflow-y-auto border-border bg-surface p-3",
        "md:sticky md:block md:h-[calc(100dvh-var(--spacing-topbar))] md:w-sidenav md:shrink-0 md:border-r md:bg-canvas",
        open ? "block" : "hidden",
      )}
    >
      <ul className="flex flex-col gap-0.5">
        {items.map((item) => (
          <li key={item.to}>
            <Link
              to={item.to}
              onClick={onNavigate}
              activeOptions={{ exact: !item.fuzzy }}
              className="flex h-9 items-center rounded-md px-2.5 font-medium transition-colors hover:bg-surface-hover hover:text-fg"
              activeProps={{ className: "bg-surface-hover text-fg", "aria-current": "page" }}
              inactiveProps={{ className: "text-fg-muted" }}
            >
              {item.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
