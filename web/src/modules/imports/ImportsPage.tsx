import { useInfiniteQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { PageHeader } from "@/components/layout/PageHeader";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Spinner } from "@/components/ui/Spinner";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/States";
import { formatRelative } from "@/lib/format";
import { ImportStatusBadge } from "./ImportStatusBadge";
import { objectLabel } from "./labels";
import { importsQueryOptions, isActive } from "./queries";

/** Past imports, newest first (the user's own; every one for admins). */
export function ImportsPage({ canCreate }: { canCreate: boolean }) {
  const imports = useInfiniteQuery({
    ...importsQueryOptions(),
    // Keeps running imports' counts moving without a reload.
    refetchInterval: (query) => (query.state.data?.pages.some((p) => p.items.some((i) => isActive(i.status))) ? 3_000 : false),
  });
  const items = imports.data?.pages.flatMap((page) => page.items) ?? [];
  const newButton = canCreate && (
    <Button asChild size="sm">
      <Link to="/imports/new">New import</Link>
    </Button>
  );

  return (
    <div className="mx-auto flex max-w-4xl flex-col gap-6">
      <title>Imports · CliniGlobal CRM</title>
      <PageHeader title="Imports" description="CSV files imported into the CRM, with what each one created and what it could not." actions={newButton} />
      {imports.isPending && <LoadingState label="Loading imports…" />}
      {imports.isError && <ErrorState error={imports.error} onRetry={() => void imports.refetch()} />}
      {imports.data && items.length === 0 && (
        <Card>
          <EmptyState title="No imports yet" action={newButton}>
            Upload a CSV exported from a spreadsheet or another CRM; you map its columns and preview it before anything is saved.
          </EmptyState>
        </Card>
      )}
      {items.length > 0 && (
        <Card className="overflow-hidden">
          <ul className="divide-y divide-border">
            {items.map((run) => (
              <li key={run.id}>
                <Link
                  to="/imports/$importId"
                  params={{ importId: run.id }}
                  className="flex flex-col gap-1 px-4 py-3 hover:bg-surface-hover focus-visible:bg-surface-hover sm:flex-row sm:items-center sm:gap-4 sm:px-5"
                >
                  <span className="min-w-0 flex-1">
                    <span className="block truncate font-medium text-fg">{run.file_name}</span>
                    <span className="block text-xs text-fg-subtle">
                      {objectLabel(run.object_type).plural} · {formatRelative(run.created_at)}
                      {run.total_rows !== null && ` · ${run.total_rows.toLocaleString()} rows`}
                    </span>
                  </span>
                  <span className="flex shrink-0 flex-wrap items-center gap-x-3 gap-y-1 text-xs text-fg-muted">
                    {run.status !== "uploaded" && (
                      <span className="tabular-nums">
                        {run.created} created · {run.updated} updated · {run.skipped} skipped · {run.failed} failed
                      </span>
                    )}
                    <ImportStatusBadge status={run.status} />
                  </span>
                </Link>
              </li>
            ))}
          </ul>
          {imports.hasNextPage && (
            <div className="border-t border-border px-4 py-3 text-center">
              <Button variant="secondary" size="sm" onClick={() => void imports.fetchNextPage()} disabled={imports.isFetchingNextPage}>
                {imports.isFetchingNextPage && <Spinner decorative />}
                Load older imports
              </Button>
            </div>
          )}
        </Card>
      )}
    </div>
  );
}
