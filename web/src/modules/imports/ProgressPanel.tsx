import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { ImportStatusBadge } from "./ImportStatusBadge";
import { cancelImport, importKeys, type ImportRun } from "./queries";

/** The share done, or null while the total is unknown (the job is still counting rows). */
export function progressShare(run: Pick<ImportRun, "progress" | "total_rows">): number | null {
  const total = run.progress?.total ?? run.total_rows;
  if (!total) return null;
  return Math.min(1, (run.progress?.done ?? 0) / total);
}

/** Step 4: the running import (polled by the page), with a cancel that keeps what was saved. */
export function ProgressPanel({ run }: { run: ImportRun }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const cancel = useMutation({
    mutationFn: () => cancelImport(run.id),
    onSuccess: (updated) => queryClient.setQueryData(importKeys.one(run.id), updated),
  });
  const share = progressShare(run);
  const done = run.progress?.done ?? run.created + run.updated + run.skipped + run.failed;
  const total = run.progress?.total ?? run.total_rows;

  return (
    <Card className="flex flex-col gap-4 p-4 sm:p-6">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-base font-semibold text-fg">{run.status === "queued" ? "Waiting to start…" : "Importing…"}</h2>
        <ImportStatusBadge status={run.status} />
      </div>
      <div
        role="progressbar"
        aria-label="Import progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={share === null ? undefined : Math.round(share * 100)}
        aria-valuetext={total ? `${done.toLocaleString()} of ${total.toLocaleString()} rows` : "Counting rows"}
        className="h-2.5 overflow-hidden rounded-full bg-surface-muted"
      >
        <div
          className={share === null ? "h-full w-1/3 animate-pulse rounded-full bg-accent/60" : "h-full rounded-full bg-accent transition-[width] duration-500"}
          style={share === null ? undefined : { width: `${Math.max(2, share * 100)}%` }}
        />
      </div>
      <p className="text-sm text-fg-muted" aria-live="polite">
        {total ? `${done.toLocaleString()} of ${total.toLocaleString()} rows` : "Counting rows…"} · {run.created} created, {run.updated} updated,{" "}
        {run.skipped} skipped, {run.failed} failed
      </p>
      <p className="text-xs text-fg-subtle">You can leave this page: the import carries on, and its report stays under Past imports.</p>
      <div className="flex justify-end">
        <Button variant="danger-ghost" onClick={() => setConfirming(true)} disabled={run.status === "cancelling" || cancel.isPending}>
          {run.status === "cancelling" ? "Cancelling…" : "Cancel import"}
        </Button>
      </div>
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title="Cancel this import?"
        description="It stops after the batch being written. The rows already imported stay."
        confirmLabel="Cancel import"
        destructive
        onConfirm={async () => {
          await cancel.mutateAsync();
        }}
      />
    </Card>
  );
}
