import { useQuery, useSuspenseQuery } from "@tanstack/react-query";
import { useCallback, useMemo } from "react";
import { PageHeader } from "@/components/layout/PageHeader";
import { Button } from "@/components/ui/Button";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/States";
import { can, meQueryOptions } from "@/lib/auth/me";
import { membersQueryOptions } from "@/modules/settings/queries";
import { BoardToolbar } from "./BoardToolbar";
import { formatTotals, sumByCurrency } from "./format";
import { KanbanBoard } from "./KanbanBoard";
import { boardQueryOptions, defaultPipeline, pipelinesQueryOptions, type BoardFilters } from "./queries";

export type PipelinePageProps = {
  /** From /pipeline/$pipelineId; a bare /pipeline opens the default pipeline. */
  pipelineId?: string | undefined;
  filters: BoardFilters;
  onFiltersChange: (filters: BoardFilters) => void;
  onPipelineChange: (pipelineId: string) => void;
};

export function PipelinePage({ pipelineId, filters, onFiltersChange, onPipelineChange }: PipelinePageProps) {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const pipelines = useQuery(pipelinesQueryOptions(true));
  const members = useQuery(membersQueryOptions());
  const current = pipelineId
    ? pipelines.data?.items.find((p) => p.id === pipelineId)
    : defaultPipeline(pipelines.data?.items ?? []);
  const board = useQuery({ ...boardQueryOptions(current?.id ?? "", filters), enabled: current !== undefined });

  const names = useMemo(() => new Map((members.data?.items ?? []).map((m) => [m.user_id, m.full_name])), [members.data]);
  const ownerName = useCallback((ownerId: string | null) => (ownerId ? names.get(ownerId) : undefined), [names]);
  const owners = useMemo(() => [...names].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name)), [names]);
  // "own" scope (Sales) sees only its deals: the owner filter would only ever show the user.
  const showOwnerFilter = me.permissions["deals:read"] !== "own";

  const openColumns = board.data?.columns.filter((c) => !c.stage.is_won && !c.stage.is_lost) ?? [];
  const openValue = formatTotals(sumByCurrency(openColumns.flatMap((c) => c.totals)));
  const openCount = board.data ? openColumns.reduce((n, c) => n + c.count, 0) : undefined;

  return (
    <div className="flex h-[calc(100dvh-7.5rem)] min-h-[36rem] flex-col gap-4 lg:h-[calc(100dvh-8.5rem)]">
      <title>{`${current?.name ?? "Pipeline"} · CliniGlobal CRM`}</title>
      <PageHeader
        title={current?.name ?? "Pipeline"}
        description={
          openCount !== undefined
            ? `${openCount} open ${openCount === 1 ? "deal" : "deals"}${openValue ? ` · ${openValue}` : ""}`
            : "Deals by stage"
        }
        actions={
          board.data && (
            <Button variant="secondary" size="sm" onClick={() => void board.refetch()} disabled={board.isFetching}>
              {board.isFetching ? "Refreshing…" : "Refresh"}
            </Button>
          )
        }
      />
      {pipelines.isPending && <LoadingState label="Loading pipelines…" />}
      {pipelines.isError && <ErrorState error={pipelines.error} onRetry={() => void pipelines.refetch()} />}
      {pipelines.data && !current && (
        <EmptyState title={pipelineId ? "No such pipeline" : "No pipeline yet"}>
          {pipelineId ? "It may have been deleted. Pick another pipeline." : "An admin can create one in Settings › Pipelines."}
        </EmptyState>
      )}
      {pipelines.data && current && (
        <>
          <BoardToolbar
            pipelines={pipelines.data.items}
            pipelineId={current.id}
            onPipelineChange={onPipelineChange}
            filters={filters}
            onFiltersChange={onFiltersChange}
            owners={owners}
            showOwnerFilter={showOwnerFilter}
          />
          {board.isPending && <LoadingState label="Loading the board…" />}
          {board.isError && <ErrorState error={board.error} onRetry={() => void board.refetch()} />}
          {board.data && (
            <KanbanBoard
              board={board.data}
              filters={filters}
              canMove={can(me, "deals:update") && !current.archived_at}
              ownerName={ownerName}
            />
          )}
        </>
      )}
    </div>
  );
}
