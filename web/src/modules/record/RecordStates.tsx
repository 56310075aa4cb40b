import { Link } from "@tanstack/react-router";
import { Button } from "@/components/ui/Button";
import { ErrorState, LoadingState } from "@/components/ui/States";
import { isApiError } from "@/lib/api/ApiError";

/** Loading and error states of a record page; a 404 says so plainly (it may be trashed or not yours). */
export function RecordPending({ noun }: { noun: string }) {
  return <LoadingState label={`Loading the ${noun}…`} />;
}

export function RecordError({ noun, error, onRetry }: { noun: string; error: unknown; onRetry: () => void }) {
  if (isApiError(error) && error.status === 404) {
    return (
      <div className="mx-auto flex max-w-md flex-col items-center gap-3 py-16 text-center" data-record-missing>
        <h1 className="text-lg font-semibold text-fg">This {noun} is not here</h1>
        <p className="text-sm text-fg-muted">It may have been moved to the trash or erased, or it belongs to someone whose records you cannot see.</p>
        <Button asChild variant="secondary">
          <Link to="/">Go home</Link>
        </Button>
      </div>
    );
  }
  return <ErrorState error={error} onRetry={onRetry} title={`Couldn't load this ${noun}`} />;
}
