import { Button } from "@/components/ui/Button";
import { isApiError } from "@/lib/api/ApiError";
import { cn } from "@/lib/cn";

export type StatusErrorNoticeProps = {
  error: Error;
  /** True when older results are still on screen below the notice. */
  stale: boolean;
  retrying: boolean;
  onRetry: () => void;
};

export function StatusErrorNotice({ error, stale, retrying, onRetry }: StatusErrorNoticeProps) {
  const code = isApiError(error) ? error.code : "unknown_error";
  const detail = isApiError(error) ? error.detail : "Something went wrong while loading the status.";

  return (
    <div
      role="alert"
      className={cn(
        "flex flex-col gap-3 rounded-lg border border-danger-border bg-danger-subtle p-4 sm:flex-row sm:items-center sm:justify-between",
      )}
    >
      <div className="min-w-0">
        <p className="font-semibold text-danger">
          {stale ? "The latest refresh failed" : "Couldn't load system status"}
        </p>
        <p className="mt-0.5 text-sm break-words text-fg-muted">
          {detail} <span className="font-mono text-xs text-fg-subtle">({code})</span>
        </p>
        {stale && <p className="mt-0.5 text-xs text-fg-subtle">Showing the last results received.</p>}
      </div>
      <Button variant="secondary" size="sm" onClick={onRetry} disabled={retrying}>
        {retrying ? "Retrying…" : "Try again"}
      </Button>
    </div>
  );
}
