import { useInfiniteQuery, useQuery, useSuspenseQuery } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import type { components } from "@/client/schema";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { Field } from "@/components/ui/Field";
import { Input } from "@/components/ui/Input";
import { Section } from "@/components/ui/Section";
import { Select } from "@/components/ui/Select";
import { Spinner } from "@/components/ui/Spinner";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/States";
import { api, send } from "@/lib/api/client";
import { ApiError } from "@/lib/api/ApiError";
import { can, meQueryOptions } from "@/lib/auth/me";
import { cn } from "@/lib/cn";
import { formatDateTime } from "@/lib/format";
import { errorMessage } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { auditQuery, auditQueryOptions, membersQueryOptions, type AuditFilters } from "./queries";

type AuditEvent = components["schemas"]["AuditEventRead"];

/** A date input's day as the ISO instant the API expects (start of that day, local time). */
function dayStart(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(`${value}T00:00:00`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function dayAfter(value: string): string | undefined {
  const start = dayStart(value);
  return start ? new Date(new Date(start).getTime() + 86_400_000).toISOString() : undefined;
}

function show(value: unknown): string {
  if (value === null || value === undefined) return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function AuditPage() {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const [draft, setDraft] = useState({ action: "", actorId: "", entityType: "", since: "", until: "" });
  const [filters, setFilters] = useState<AuditFilters>({});
  const [open, setOpen] = useState<number>();
  const [exporting, setExporting] = useState(false);
  const events = useInfiniteQuery(auditQueryOptions(filters));
  const members = useQuery(membersQueryOptions());
  const names = new Map((members.data?.items ?? []).map((m) => [m.user_id, m.full_name]));
  const items = events.data?.pages.flatMap((page) => page.items) ?? [];

  const apply = (event: SyntheticEvent) => {
    event.preventDefault();
    setFilters({
      action: draft.action.trim() || undefined,
      actorId: draft.actorId || undefined,
      entityType: draft.entityType.trim() || undefined,
      since: dayStart(draft.since),
      until: dayAfter(draft.until),
    });
  };

  const actor = (event: AuditEvent) => {
    if (event.actor_type === "api_key") return "API key";
    if (event.actor_type === "service") return "Service";
    if (event.actor_type === "ai") return "AI";
    return event.actor_id ? (names.get(event.actor_id) ?? "Former member") : "Anonymous";
  };

  const exportCsv = async () => {
    setExporting(true);
    try {
      const { data, error, response } = await send(
        api.GET("/api/v1/audit-events/export", { params: { query: auditQuery(filters) }, parseAs: "blob" }),
      );
      if (!response.ok || !(data instanceof Blob)) throw ApiError.fromResponse(response.status, error);
      const url = URL.createObjectURL(data);
      const link = document.createElement("a");
      link.href = url;
      link.download = `audit-events-${new Date().toISOString().slice(0, 10)}.csv`;
      link.click();
      URL.revokeObjectURL(url);
    } catch (caught) {
      toast(`Couldn't export: ${errorMessage(caught)}`, "danger");
    } finally {
      setExporting(false);
    }
  };

  return (
    <>
      <title>Audit log · Settings · CliniGlobal CRM</title>
      <Section
        title="Audit log"
        description="Every change and security event in the organisation, newest first. Values of personal data and secrets are never kept, only which fields changed."
        actions={
          can(me, "audit:export") && (
            <Button variant="secondary" size="sm" onClick={() => void exportCsv()} disabled={exporting} aria-busy={exporting}>
              {exporting && <Spinner decorative />}
              Export CSV
            </Button>
          )
        }
        flush
      >
        <form onSubmit={apply} className="grid gap-3 border-b border-border px-4 py-3 sm:grid-cols-2 sm:px-5 lg:grid-cols-3" aria-label="Filter the audit log">
          <Field label="Action" hint="Exact, or a prefix ending in * (auth.*)">
            {(control) => (
              <Input {...control} value={draft.action} placeholder="auth.*" onChange={(e) => setDraft({ ...draft, action: e.target.value })} />
            )}
          </Field>
          <Field label="Who">
            {(control) => (
              <Select {...control} className="w-full" value={draft.actorId} onChange={(e) => setDraft({ ...draft, actorId: e.target.value })}>
                <option value="">Anyone</option>
                {(members.data?.items ?? []).map((m) => (
                  <option key={m.user_id} value={m.user_id}>
                    {m.full_name}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Field label="Record type">
            {(control) => (
              <Input {...control} value={draft.entityType} placeholder="user, contact, deal…" onChange={(e) => setDraft({ ...draft, entityType: e.target.value })} />
            )}
          </Field>
          <Field label="From">
            {(control) => <Input {...control} type="date" value={draft.since} onChange={(e) => setDraft({ ...draft, since: e.target.value })} />}
          </Field>
          <Field label="To">
            {(control) => <Input {...control} type="date" value={draft.until} onChange={(e) => setDraft({ ...draft, until: e.target.value })} />}
          </Field>
          <div className="flex items-end gap-2">
            <Button type="submit">Apply filters</Button>
            <Button
              variant="ghost"
              onClick={() => {
                setDraft({ action: "", actorId: "", entityType: "", since: "", until: "" });
                setFilters({});
              }}
            >
              Clear
            </Button>
          </div>
        </form>

        {events.isPending && <LoadingState label="Loading audit events…" />}
        {events.isError && (
          <div className="p-4">
            <ErrorState error={events.error} onRetry={() => void events.refetch()} />
          </div>
        )}
        {events.data && items.length === 0 && <EmptyState title="No events match these filters" />}
        {items.length > 0 && (
          <ul className="divide-y divide-border">
            {items.map((event) => {
              const expanded = open === event.id;
              const changes = Object.entries(event.changes);
              return (
                <li key={event.id} data-audit-action={event.action}>
                  <button
                    type="button"
                    aria-expanded={expanded}
                    aria-controls={`audit-${event.id}`}
                    onClick={() => setOpen(expanded ? undefined : event.id)}
                    className={cn(
                      "flex w-full cursor-pointer flex-col gap-1 px-4 py-2.5 text-left hover:bg-surface-hover sm:flex-row sm:items-center sm:gap-4 sm:px-5",
                      expanded && "bg-surface-muted",
                    )}
                  >
                    <span className="min-w-0 flex-1">
                      <span className="flex flex-wrap items-center gap-2">
                        <code className="font-mono text-sm font-medium text-fg">{event.action}</code>
                        {event.entity_type && <Badge>{event.entity_type}</Badge>}
                      </span>
                      <span className="block truncate text-xs text-fg-subtle">
                        {actor(event)}
                        {event.ip ? ` · ${event.ip}` : ""}
                        {changes.length + event.redacted_fields.length > 0
                          ? ` · ${changes.length + event.redacted_fields.length} field${changes.length + event.redacted_fields.length === 1 ? "" : "s"} changed`
                          : ""}
                      </span>
                    </span>
                    <time dateTime={event.occurred_at} className="shrink-0 text-xs text-fg-subtle">
                      {formatDateTime(event.occurred_at)}
                    </time>
                  </button>
                  {expanded && (
                    <div id={`audit-${event.id}`} className="flex flex-col gap-3 border-t border-border bg-surface-muted px-4 py-3 text-xs sm:px-5">
                      {changes.length > 0 && (
                        <div className="overflow-x-auto">
                          <table className="w-full text-left">
                            <caption className="sr-only">Changed fields</caption>
                            <thead className="text-fg-subtle">
                              <tr>
                                <th scope="col" className="py-1 pr-3 font-medium">Field</th>
                                <th scope="col" className="py-1 pr-3 font-medium">Before</th>
                                <th scope="col" className="py-1 font-medium">After</th>
                              </tr>
                            </thead>
                            <tbody>
                              {changes.map(([field, change]) => (
                                <tr key={field} className="border-t border-border">
                                  <td className="py-1 pr-3 font-mono text-fg">{field}</td>
                                  <td className="py-1 pr-3 break-all text-fg-muted">{show(change.before)}</td>
                                  <td className="py-1 break-all text-fg">{show(change.after)}</td>
                                </tr>
                              ))}
                            </tbody>
                          </table>
                        </div>
                      )}
                      {event.redacted_fields.length > 0 && (
                        <p className="text-fg-muted">
                          Personal or secret fields changed (values not recorded): {event.redacted_fields.join(", ")}
                        </p>
                      )}
                      <dl className="grid gap-x-4 gap-y-1 sm:grid-cols-[auto_1fr]">
                        {(
                          [
                            ["Record", [event.entity_type, event.entity_id].filter(Boolean).join(" ")],
                            ["Device", event.device ?? event.user_agent],
                            ["Request", event.request_id],
                            ["Trace", event.trace_id],
                            ["Details", Object.keys(event.meta).length > 0 ? JSON.stringify(event.meta) : null],
                          ] as const
                        )
                          .filter(([, value]) => value)
                          .map(([label, value]) => (
                            <div key={label} className="contents">
                              <dt className="text-fg-subtle">{label}</dt>
                              <dd className="font-mono break-all text-fg">{value}</dd>
                            </div>
                          ))}
                      </dl>
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
        )}
        {events.hasNextPage && (
          <div className="border-t border-border px-4 py-3 text-center sm:px-5">
            <Button variant="secondary" size="sm" onClick={() => void events.fetchNextPage()} disabled={events.isFetchingNextPage}>
              {events.isFetchingNextPage && <Spinner decorative />}
              Load older events
            </Button>
          </div>
        )}
      </Section>
    </>
  );
}
