import { useState } from "react";
import { Button } from "@/components/ui/Button";
import { cn } from "@/lib/cn";
import { sentence } from "@/lib/forms/apiErrors";
import { summarise } from "./bulkActions";
import type { BulkResult } from "./recordApi";

export type BulkOutcome = { description: string; results: BulkResult[]; names: ReadonlyMap<string, string> };

/** The outcome of the last bulk action: counts, then each record with done or why it failed. */
export function BulkResults({ outcome, onDismiss }: { outcome: BulkOutcome; onDismiss: () => void }) {
  const { ok, failed } = summarise(outcome.results);
  const [expanded, setExpanded] = useState(failed > 0);
  return (
    <section
      aria-label="Result of the bulk action"
      data-testid="bulk-results"
      className={cn("rounded-lg border px-3 py-2", failed > 0 ? "border-warning-border bg-warning-subtle" : "border-success-border bg-success-subtle")}
    >
      <div className="flex flex-wrap items-center gap-2">
        <p className="mr-auto text-sm text-fg" role="status">
          <span className="font-medium">{outcome.description}:</span> {ok} done
          {failed > 0 && <>, {failed} failed</>}.
        </p>
        <Button size="sm" variant="ghost" aria-expanded={expanded} onClick={() => setExpanded((v) => !v)}>
          {expanded ? "Hide details" : "Show each record"}
        </Button>
        <Button size="sm" variant="ghost" onClick={onDismiss}>
          Dismiss
        </Button>
      </div>
      {expanded && (
        <ul className="mt-2 max-h-48 divide-y divide-border overflow-y-auto rounded-md border border-border bg-surface text-sm">
          {outcome.results.map((result) => (
            <li key={result.id} className="flex items-center gap-2 px-3 py-1.5" data-testid="bulk-result" data-ok={result.ok}>
              <span aria-hidden="true" className={cn("w-4 font-bold", result.ok ? "text-success" : "text-danger")}>
                {result.ok ? "✓" : "✕"}
              </span>
              <span className="min-w-0 flex-1 truncate">{outcome.names.get(result.id) ?? result.id}</span>
              <span className={cn("shrink-0 text-xs", result.ok ? "text-success" : "text-danger")}>
                {result.ok ? "Done" : sentence(result.error ?? "failed")}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
