import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { Section } from "@/components/ui/Section";
import { Spinner } from "@/components/ui/Spinner";
import { ErrorState } from "@/components/ui/States";
import { humanize } from "@/modules/records/format";
import { EmailDraftDialog } from "./EmailDraftDialog";
import { nextActionsQueryOptions } from "./queries";

/**
 * What to do next with this contact or deal, highest priority first, each with the reason the AI
 * gave; e-mail actions offer a draft. Absent when the AI is off for this user.
 */
export function NextActions({ object, id, contactId, dealId }: { object: "contacts" | "deals"; id: string; contactId?: string | undefined; dealId?: string | undefined }) {
  // Asked for on demand: it runs the AI service, which the page must not wait on or fail with.
  const [asked, setAsked] = useState(false);
  const actions = useQuery({ ...nextActionsQueryOptions(object, id), enabled: asked });
  const [drafting, setDrafting] = useState<string | null>(null);
  const items = actions.data?.actions ?? [];
  return (
    <Section title="Next best actions" description="Suggested from this record's history." flush>
      {!asked && (
        <div className="px-4 py-3">
          <Button size="sm" variant="secondary" onClick={() => setAsked(true)}>
            Suggest next actions
          </Button>
        </div>
      )}
      {asked && actions.isError && (
        <div className="p-3">
          <ErrorState error={actions.error} onRetry={() => void actions.refetch()} title="No suggestions right now" />
        </div>
      )}
      {asked && actions.isPending && (
        <div className="flex justify-center py-4">
          <Spinner label="Loading suggestions…" />
        </div>
      )}
      {actions.data && items.length === 0 && <p className="px-4 py-3 text-sm text-fg-subtle">Nothing to suggest right now.</p>}
      {items.length > 0 && (
        <ol className="divide-y divide-border" aria-label="Next best actions" data-next-actions>
          {items.slice(0, 5).map((action) => (
            <li key={action.action} className="flex flex-col gap-1 px-4 py-2.5 text-sm">
              <div className="flex flex-wrap items-center gap-2">
                <span className="font-medium text-fg">{humanize(action.action)}</span>
                <Badge tone={action.priority >= 70 ? "danger" : action.priority >= 40 ? "warning" : "neutral"}>Priority {action.priority}</Badge>
              </div>
              <p className="text-fg-muted">{action.reason}</p>
              <p className="text-xs text-fg-subtle">{when(action.channel, action.due_in_days)}</p>
              {action.channel === "email" && (
                <Button size="sm" variant="secondary" className="self-start" onClick={() => setDrafting(action.action)}>
                  Draft the e-mail
                </Button>
              )}
            </li>
          ))}
        </ol>
      )}
      {/* Always a way to write to them, even when no suggestion is an e-mail. */}
      {!items.slice(0, 5).some((action) => action.channel === "email") && (
        <div className="border-t border-border px-4 py-2.5">
          <Button size="sm" variant="secondary" onClick={() => setDrafting("")}>
            Draft an e-mail
          </Button>
        </div>
      )}
      <EmailDraftDialog open={drafting !== null} onOpenChange={(open) => !open && setDrafting(null)} contactId={contactId} dealId={dealId} nextStep={drafting ? humanize(drafting) : undefined} suggestedTemplate={drafting || undefined} />
    </Section>
  );
}

/** "By call, today" / "Within 14 days": the "none" channel (nothing to do yet) is not a medium. */
function when(channel: string, dueInDays: number): string {
  const due = dueInDays === 0 ? "today" : `within ${dueInDays} ${dueInDays === 1 ? "day" : "days"}`;
  return channel === "none" ? due.charAt(0).toUpperCase() + due.slice(1) : `By ${humanize(channel).toLowerCase()}, ${due}`;
}
