import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { components } from "@/client/schema";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { Spinner } from "@/components/ui/Spinner";
import { ErrorState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { errorMessage } from "@/lib/forms/apiErrors";
import { formatDate, formatMoney, humanize } from "@/modules/records/format";
import { transcriptQueryOptions } from "./queries";
import { SentimentBadge } from "./SentimentBadge";

type Proposal = components["schemas"]["ProposalOut"];

/** The transcript with its summary, and each proposed update to accept or reject. */
export function TranscriptReview({ id, onClose, onDecided }: { id: string | undefined; onClose: () => void; onDecided: () => void }) {
  return (
    <Dialog open={id !== undefined} onOpenChange={(open) => !open && onClose()} title="Review the transcript" className="max-w-2xl">
      {id && <ReviewBody id={id} onDecided={onDecided} />}
      <div className="flex justify-end">
        <Button onClick={onClose}>Close</Button>
      </div>
    </Dialog>
  );
}

function ReviewBody({ id, onDecided }: { id: string; onDecided: () => void }) {
  const transcript = useQuery(transcriptQueryOptions(id));
  if (transcript.isPending) return <Spinner label="Loading the transcript…" showLabel />;
  if (transcript.isError) return <ErrorState error={transcript.error} onRetry={() => void transcript.refetch()} />;
  const t = transcript.data;
  return (
    <div className="flex flex-col gap-4" data-transcript>
      <div className="flex flex-wrap items-center gap-2 text-xs text-fg-subtle">
        {t.sentiment_label && <SentimentBadge label={t.sentiment_label} />}
        {t.duration_seconds !== null && <span>{Math.round(t.duration_seconds)} s</span>}
        {t.model && <span>· {t.model}</span>}
      </div>
      {t.summary && (
        <div>
          <h3 className="text-sm font-semibold text-fg">Summary</h3>
          <p className="text-sm text-fg-muted">{t.summary}</p>
        </div>
      )}
      <div>
        <h3 className="text-sm font-semibold text-fg">Proposed updates</h3>
        {t.proposals.length === 0 ? (
          <p className="text-sm text-fg-subtle">Nothing to update was heard.</p>
        ) : (
          <ul className="mt-1 flex flex-col gap-2">
            {t.proposals.map((p) => (
              <ProposalRow key={p.id} transcriptId={t.id} proposal={p} onDecided={onDecided} />
            ))}
          </ul>
        )}
      </div>
      {t.text && (
        <details>
          <summary className="cursor-pointer text-sm font-semibold text-fg">Full transcript</summary>
          <p className="mt-1 max-h-60 overflow-y-auto text-sm whitespace-pre-wrap text-fg-muted">{t.text}</p>
        </details>
      )}
    </div>
  );
}

function ProposalRow({ transcriptId, proposal, onDecided }: { transcriptId: string; proposal: Proposal; onDecided: () => void }) {
  const queryClient = useQueryClient();
  const [pending, setPending] = useState<"accept" | "reject">();
  const [error, setError] = useState<string>();
  const decide = async (decision: "accept" | "reject") => {
    setPending(decision);
    setError(undefined);
    try {
      const path = { transcript_id: transcriptId, proposal_id: proposal.id };
      if (decision === "accept") await unwrap(api.POST("/api/v1/transcripts/{transcript_id}/proposals/{proposal_id}/accept", { params: { path }, body: null }));
      else await unwrap(api.POST("/api/v1/transcripts/{transcript_id}/proposals/{proposal_id}/reject", { params: { path } }));
      await queryClient.invalidateQueries({ queryKey: transcriptQueryOptions(transcriptId).queryKey });
      onDecided();
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setPending(undefined);
    }
  };
  const noteOnly = proposal.target_field === null;
  const target = proposal.target_field === "task" ? "New task" : humanize(proposal.target_field ?? proposal.field);
  return (
    <li className="flex flex-col gap-1 rounded-md border border-border p-3 text-sm" data-proposal={proposal.field}>
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium text-fg">{noteOnly ? `Heard: ${target.toLowerCase()}` : target}</span>
        {!noteOnly && proposal.current_value && <span className="text-fg-subtle line-through">{proposalValue(proposal, proposal.current_value)}</span>}
        <span className="text-fg">
          {noteOnly ? "" : "→ "}
          {proposalValue(proposal, proposal.proposed_value)}
        </span>
        {proposal.status !== "pending" && <Badge tone={proposal.status === "accepted" ? "success" : "neutral"}>{humanize(proposal.status)}</Badge>}
      </div>
      {noteOnly && <p className="text-xs text-fg-muted">This record has no such field: accepting only records that you checked it.</p>}
      <p className="text-xs text-fg-muted">“{proposal.evidence}”</p>
      {proposal.status === "pending" && (
        <div className="flex gap-2">
          <Button size="sm" onClick={() => void decide("accept")} disabled={pending !== undefined}>
            {pending === "accept" && <Spinner decorative />}
            Accept
          </Button>
          <Button size="sm" variant="secondary" onClick={() => void decide("reject")} disabled={pending !== undefined}>
            {pending === "reject" && <Spinner decorative />}
            Reject
          </Button>
        </div>
      )}
      {error && (
        <p role="alert" className="text-xs font-medium text-danger">
          {error}
        </p>
      )}
    </li>
  );
}

/** Amounts with their currency and dates as dates; other proposals (next steps, names) as heard. */
function proposalValue(proposal: Proposal, value: string): string {
  if (proposal.field === "amount") return formatMoney(value, proposal.currency);
  if (proposal.field === "expected_close_date" && /^\d{4}-\d{2}-\d{2}/.test(value)) return formatDate(value);
  return value;
}
