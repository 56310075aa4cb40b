import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { components } from "@/client/schema";
import { Badge, type BadgeTone } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { Section } from "@/components/ui/Section";
import { Spinner } from "@/components/ui/Spinner";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/States";
import { cn } from "@/lib/cn";
import { formatDateTime, formatRelative } from "@/lib/format";
import { Linkified } from "./Linkified";
import { outboxQueryOptions } from "./queries";

type Email = components["schemas"]["EmailMessageRead"];

const statusTones: Record<Email["status"], BadgeTone> = {
  queued: "neutral",
  retrying: "warning",
  sent: "success",
  stored: "accent",
  failed: "danger",
};

const statusLabels: Record<Email["status"], string> = {
  queued: "Queued",
  retrying: "Retrying",
  sent: "Sent",
  stored: "In outbox",
  failed: "Failed",
};

export function OutboxPage() {
  const emails = useInfiniteQuery({ ...outboxQueryOptions(), refetchInterval: 15_000 });
  const [open, setOpen] = useState<string>();
  const items = emails.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <>
      <title>E-mail outbox · Settings · CliniGlobal CRM</title>
      <Section
        title="E-mail outbox"
        description="Every e-mail the CRM sent for this organisation, newest first. With the built-in outbox driver nothing leaves the server: invitations and reset links can be read here."
        actions={
          <Button variant="secondary" size="sm" onClick={() => void emails.refetch()} disabled={emails.isFetching} aria-busy={emails.isFetching}>
            {emails.isFetching && !emails.isFetchingNextPage && <Spinner decorative />}
            Refresh
          </Button>
        }
        flush
      >
        {emails.isPending && <LoadingState label="Loading e-mails…" />}
        {emails.isError && (
          <div className="p-4">
            <ErrorState error={emails.error} onRetry={() => void emails.refetch()} />
          </div>
        )}
        {emails.data && items.length === 0 && <EmptyState title="No e-mails yet">Invitations and password resets appear here.</EmptyState>}
        {items.length > 0 && (
          <ul className="divide-y divide-border">
            {items.map((email) => {
              const expanded = open === email.id;
              const panelId = `email-${email.id}`;
              return (
                <li key={email.id} data-email-to={email.to_address}>
                  <button
                    type="button"
                    aria-expanded={expanded}
                    aria-controls={panelId}
                    onClick={() => setOpen(expanded ? undefined : email.id)}
                    className={cn(
                      "flex w-full cursor-pointer flex-col gap-1 px-4 py-3 text-left hover:bg-surface-hover sm:flex-row sm:items-center sm:gap-4 sm:px-5",
                      expanded && "bg-surface-muted",
                    )}
                  >
                    <span className="min-w-0 flex-1">
                      <span className="block truncate font-medium text-fg">{email.subject}</span>
                      <span className="block truncate text-xs text-fg-subtle">To {email.to_address}</span>
                    </span>
                    <span className="flex shrink-0 items-center gap-2 text-xs text-fg-subtle">
                      <Badge tone={statusTones[email.status]}>{statusLabels[email.status]}</Badge>
                      <time dateTime={email.created_at}>{formatRelative(email.created_at)}</time>
                    </span>
                  </button>
                  {expanded && (
                    <div id={panelId} className="flex flex-col gap-3 border-t border-border bg-surface-muted px-4 py-4 sm:px-5">
                      <dl className="grid gap-x-4 gap-y-1 text-xs sm:grid-cols-[auto_1fr]">
                        <dt className="text-fg-subtle">To</dt>
                        <dd className="break-all text-fg">{email.to_address}</dd>
                        <dt className="text-fg-subtle">Created</dt>
                        <dd className="text-fg">{formatDateTime(email.created_at)}</dd>
                        {email.sent_at && (
                          <>
                            <dt className="text-fg-subtle">Delivered</dt>
                            <dd className="text-fg">
                              {formatDateTime(email.sent_at)}
                              {email.driver ? ` via ${email.driver}` : ""}
                            </dd>
                          </>
                        )}
                        {email.error && (
                          <>
                            <dt className="text-fg-subtle">Error</dt>
                            <dd className="text-danger">{email.error}</dd>
                          </>
                        )}
                      </dl>
                      <pre className="overflow-x-auto rounded-md border border-border bg-surface p-3 font-sans text-sm whitespace-pre-wrap break-words text-fg" data-email-body>
                        <Linkified text={email.text_body} />
                      </pre>
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
        )}
        {emails.hasNextPage && (
          <div className="border-t border-border px-4 py-3 text-center sm:px-5">
            <Button variant="secondary" size="sm" onClick={() => void emails.fetchNextPage()} disabled={emails.isFetchingNextPage}>
              {emails.isFetchingNextPage && <Spinner decorative />}
              Load older e-mails
            </Button>
          </div>
        )}
      </Section>
    </>
  );
}
