import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import type { components } from "@/client/schema";
import { Badge, type BadgeTone } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { Section } from "@/components/ui/Section";
import { Spinner } from "@/components/ui/Spinner";
import { errorMessage } from "@/lib/forms/apiErrors";
import { formatRelative } from "@/lib/format";
import { toast } from "@/lib/toast/toast";
import { recordKeys, transcriptsQueryOptions } from "./queries";
import { TranscriptReview } from "./TranscriptReview";
import type { RecordObject } from "./types";
import { uploadFile } from "./upload";

type Transcript = components["schemas"]["TranscriptOut"];
const STATUS: Record<string, { label: string; tone: BadgeTone }> = {
  pending: { label: "Transcribing…", tone: "warning" },
  ready: { label: "Ready", tone: "success" },
  no_speech: { label: "No speech heard", tone: "neutral" },
  failed: { label: "Failed", tone: "danger" },
};

/**
 * Voice notes and call recordings: upload one (webm, ogg, wav, mp3), the server transcribes it in
 * the background (the list polls until it is done), then review the transcript and accept or
 * reject each field update it proposes.
 */
export function VoiceNotes({ object, id, canUpload }: { object: RecordObject; id: string; canUpload: boolean }) {
  const queryClient = useQueryClient();
  const transcripts = useQuery(transcriptsQueryOptions(object, id));
  const [progress, setProgress] = useState<number>();
  const [error, setError] = useState<string>();
  const [reviewing, setReviewing] = useState<string>();
  const input = useRef<HTMLInputElement>(null);
  if (transcripts.isError) return null; // AI off for this user or organisation
  const items = transcripts.data?.items ?? [];

  const upload = (file: File, kind: "note" | "call") => {
    setError(undefined);
    setProgress(0);
    uploadFile<Transcript>(`/api/v1/${object}/${encodeURIComponent(id)}/transcripts?kind=${kind}`, file, setProgress).promise.then(
      async () => {
        setProgress(undefined);
        toast("Recording uploaded; the transcript follows in a moment.");
        await queryClient.invalidateQueries({ queryKey: transcriptsQueryOptions(object, id).queryKey });
        void queryClient.invalidateQueries({ queryKey: recordKeys.timeline(object, id) });
      },
      (caught: unknown) => {
        setProgress(undefined);
        setError(errorMessage(caught));
      },
    );
  };

  return (
    <Section title="Voice notes" description="Recordings are transcribed; proposed updates wait for your review." flush>
      {canUpload && (
        <div className="flex flex-col gap-2 px-4 py-3">
          <Button size="sm" variant="secondary" className="self-start" disabled={progress !== undefined} onClick={() => input.current?.click()}>
            {progress !== undefined && <Spinner decorative />}
            Upload a recording
          </Button>
          <input
            ref={input}
            type="file"
            accept="audio/*,.webm,.ogg,.wav,.mp3"
            className="sr-only"
            tabIndex={-1}
            aria-label="Recording to transcribe"
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) upload(file, "note");
              event.target.value = "";
            }}
          />
          {progress !== undefined && <progress className="h-1.5 w-full accent-accent" max={1} value={progress} aria-label="Uploading the recording" />}
          {error && (
            <p role="alert" className="text-xs font-medium text-danger">
              {error}
            </p>
          )}
        </div>
      )}
      {transcripts.isPending && (
        <div className="flex justify-center py-3">
          <Spinner label="Loading transcripts…" />
        </div>
      )}
      {transcripts.data && items.length === 0 && <p className="px-4 pb-3 text-sm text-fg-subtle">No recordings yet.</p>}
      {items.length > 0 && (
        <ul className="divide-y divide-border border-t border-border" aria-label="Transcripts">
          {items.map((t) => {
            const status = STATUS[t.status] ?? { label: t.status, tone: "neutral" as const };
            return (
              <li key={t.id} className="flex flex-col gap-1 px-4 py-2.5 text-sm">
                <div className="flex flex-wrap items-center gap-2">
                  <span className="font-medium text-fg">{t.kind === "call" ? "Call recording" : "Voice note"}</span>
                  <Badge tone={status.tone}>{status.label}</Badge>
                  {t.pending_proposals > 0 && <Badge tone="accent">{t.pending_proposals} to review</Badge>}
                </div>
                {t.summary && <p className="line-clamp-2 text-fg-muted">{t.summary}</p>}
                {t.error && <p className="text-xs text-danger">{t.error}</p>}
                <div className="flex items-center justify-between gap-2">
                  <span className="text-xs text-fg-subtle">{formatRelative(t.created_at)}</span>
                  {t.status === "ready" && (
                    <Button size="sm" variant="ghost" onClick={() => setReviewing(t.id)}>
                      {t.pending_proposals > 0 ? "Review" : "Open"}
                    </Button>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      <TranscriptReview
        id={reviewing}
        onClose={() => setReviewing(undefined)}
        onDecided={() => {
          void queryClient.invalidateQueries({ queryKey: transcriptsQueryOptions(object, id).queryKey });
          void queryClient.invalidateQueries({ queryKey: ["record"] });
        }}
      />
    </Section>
  );
}
