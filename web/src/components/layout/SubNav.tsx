import { Link, type LinkProps } from "@tanstack/react-router";

export type SubNavItem = { to: NonNullable<LinkProps["to"]>; label: string };

/** Section navigation: a column beside the content on wide screens, a scrollable row on phones. */
export function SubNav({ label, items }: { label: string; items: SubNavItem[] }) {
  return (
    <nav aria-label={label} className="-mx-4 overflow-x-auto px-4 lg:mx-0 lg:w-48 lg:shrink-0 lg:overflow-visible lg:px-0">
      <ul className="flex gap-1 border-b border-border lg:flex-col lg:border-b-0">
        {items.map((item) => (
          <li key={item.to} className="shrink-0">
            <Link
              to={item.to}
              className="-mb-px flex h-9 items-center border-b-2 px-2.5 text-sm font-medium whitespace-nowrap transition-colors lg:mb-0 lg:rounded-md lg:border-b-0"
              activeProps={{ className: "border-accent text-fg lg:bg-surface-hover", "aria-current": "page" }}
              inactiveProps={{ className: "border-transparent text-fg-muted hover:text-fg lg:hover:bg-surface-hover" }}
            >
              {item.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
