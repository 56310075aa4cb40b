import type { ReactNode } from "react";
import { cn } from "@/lib/cn";
import { Card } from "./Card";

export type SectionProps = {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  /** Content sits flush with the card's edges (lists, tables). */
  flush?: boolean;
  className?: string;
};

/** A card with a heading: the building block of settings pages. */
export function Section({ title, description, actions, children, flush = false, className }: SectionProps) {
  const headingId = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <Card aria-labelledby={headingId} className={cn("overflow-hidden", className)}>
      <div className="flex flex-col gap-3 border-b border-border px-4 py-4 sm:flex-row sm:items-start sm:justify-between sm:px-5">
        <div className="min-w-0">
          <h2 id={headingId} className="text-base font-semibold text-fg">
            {title}
          </h2>
          {description && <p className="mt-0.5 text-sm text-fg-muted">{description}</p>}
        </div>
        {actions && <div className="flex shrink-0 flex-wrap items-center gap-2">{actions}</div>}
      </div>
      <div className={flush ? undefined : "px-4 py-4 sm:px-5"}>{children}</div>
    </Card>
  );
}
