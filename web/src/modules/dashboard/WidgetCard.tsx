import type { ReactNode } from "react";
import { Card } from "@/components/ui/Card";
import { Spinner } from "@/components/ui/Spinner";
import { ErrorState } from "@/components/ui/States";
import { cn } from "@/lib/cn";

export type WidgetState = { isPending: boolean; isError: boolean; error: unknown; refetch: () => unknown };

export type WidgetCardProps = {
  title: string;
  /** The headline number or a short summary under the title. */
  summary?: ReactNode;
  state: WidgetState;
  /** True when the data came back but holds nothing to draw. */
  empty?: boolean;
  emptyText?: string;
  action?: ReactNode;
  className?: string;
  testId: string;
  children?: ReactNode;
};

/** A dashboard tile: title, headline, then the chart, with its own loading, empty and error states. */
export function WidgetCard({ title, summary, state, empty = false, emptyText = "Nothing here yet.", action, className, testId, children }: WidgetCardProps) {
  const headingId = `widget-${testId}`;
  return (
    <Card aria-labelledby={headingId} className={cn("flex min-w-0 flex-col gap-3 overflow-hidden p-4 sm:p-5", className)} data-testid={testId}>
      <div className="flex items-start justify-between gap-3">
        <div className="min-w-0">
          <h2 id={headingId} className="text-sm font-semibold text-fg-muted">
            {title}
          </h2>
          {summary && !state.isPending && !state.isError && <div className="mt-1 text-2xl font-semibold tracking-tight text-fg tabular-nums">{summary}</div>}
        </div>
        {action}
      </div>
      {state.isPending && (
        <div className="flex h-48 items-center justify-center">
          <Spinner label={`Loading ${title.toLowerCase()}…`} />
        </div>
      )}
      {state.isError && <ErrorState error={state.error} onRetry={() => void state.refetch()} />}
      {!state.isPending && !state.isError && (empty ? <p className="flex h-32 items-center justify-center text-sm text-fg-subtle">{emptyText}</p> : children)}
    </Card>
  );
}
