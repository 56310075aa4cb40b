import type { ReactNode } from "react";
import { PageHeader } from "./PageHeader";
import { SubNav, type SubNavItem } from "./SubNav";

/** A titled area with its own section navigation (Settings, Account). */
export function SectionLayout({ title, description, navLabel, items, children }: {
  title: string;
  description?: ReactNode;
  navLabel: string;
  items: SubNavItem[];
  children: ReactNode;
}) {
  return (
    <div className="mx-auto flex w-full max-w-6xl flex-col gap-6">
      <PageHeader title={title} description={description} />
      <div className="flex flex-col gap-6 lg:flex-row lg:items-start lg:gap-8">
        <SubNav label={navLabel} items={items} />
        <div className="flex min-w-0 flex-1 flex-col gap-6">{children}</div>
      </div>
    </div>
  );
}
