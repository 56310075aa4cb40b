import type { ReactNode } from "react";
import { Alert } from "@/components/ui/Alert";
import { Avatar } from "@/components/ui/Avatar";
import { ConflictBanner } from "./ConflictBanner";

export type RecordShellProps = {
  title: string;
  /** e.g. "Contact", shown above the title. */
  kind: string;
  subtitle?: ReactNode;
  badges?: ReactNode;
  actions?: ReactNode;
  conflict?: { noun: string; onReload: () => Promise<void> } | undefined;
  /** Set while the record sits in the trash (after a delete on this page): shows the restore offer. */
  trashNotice?: ReactNode;
  /** Composer and timeline. */
  main: ReactNode;
  /** Details, related records, attachments, AI panels. */
  aside: ReactNode;
};

/**
 * The frame of every record page: a header with the record's name and actions, then two columns
 * on wide screens (details beside the timeline), one on phones (details first).
 */
export function RecordShell({ title, kind, subtitle, badges, actions, conflict, trashNotice, main, aside }: RecordShellProps) {
  return (
    <div className="mx-auto flex w-full max-w-7xl flex-col gap-4">
      <title>{`${title} · ${kind} · CliniGlobal CRM`}</title>
      <header className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="flex min-w-0 items-start gap-3">
          <Avatar name={title} />
          <div className="min-w-0">
            <p className="text-xs font-medium tracking-wide text-fg-subtle uppercase">{kind}</p>
            <h1 className="text-xl font-semibold tracking-tight break-words text-fg" data-record-title>
              {title}
            </h1>
            {subtitle && <div className="mt-0.5 text-sm text-fg-muted">{subtitle}</div>}
            {badges && <div className="mt-2 flex flex-wrap items-center gap-1.5">{badges}</div>}
          </div>
        </div>
        {actions && <div className="flex shrink-0 flex-wrap items-center gap-2">{actions}</div>}
      </header>
      {trashNotice && <Alert tone="warning">{trashNotice}</Alert>}
      {conflict && <ConflictBanner noun={conflict.noun} onReload={conflict.onReload} />}
      <div className="grid grid-cols-1 gap-4 lg:grid-cols-[minmax(0,1fr)_minmax(18rem,24rem)]">
        <div className="flex min-w-0 flex-col gap-4 lg:order-2">{aside}</div>
        <div className="flex min-w-0 flex-col gap-4 lg:order-1">{main}</div>
      </div>
    </div>
  );
}
