import { useDroppable } from "@dnd-kit/core";
import { SortableContext, verticalListSortingStrategy } from "@dnd-kit/sortable";
import { memo, useState } from "react";
import { Button } from "@/components/ui/Button";
import { cn } from "@/lib/cn";
import { errorMessage } from "@/lib/forms/apiErrors";
import { formatTotals } from "./format";
import type { BoardColumn, DealCard } from "./queries";
import { SortableDealCard } from "./SortableDealCard";

export type BoardColumnViewProps = {
  column: BoardColumn;
  /** Card ids in the order to show (the drag in progress may differ from the cache). */
  ids: string[];
  cardsById: Map<string, DealCard>;
  canMove: boolean;
  isOver: boolean;
  onLoadMore: (stageId: string) => Promise<void>;
};

/** One stage: header with count and value, its cards in board order, and "load more". */
export const BoardColumnView = memo(function BoardColumnView({ column, ids, cardsById, canMove, isOver, onLoadMore }: BoardColumnViewProps) {
  const { setNodeRef } = useDroppable({ id: column.stage.id, data: { type: "column" } });
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<string>();
  const value = formatTotals(column.totals);
  const headingId = `stage-${column.stage.id}`;

  const loadMore = async () => {
    setLoading(true);
    setLoadError(undefined);
    try {
      await onLoadMore(column.stage.id);
    } catch (error) {
      setLoadError(errorMessage(error));
    } finally {
      setLoading(false);
    }
  };

  return (
    <section
      aria-labelledby={headingId}
      data-testid="board-column"
      data-stage-id={column.stage.id}
      data-stage-name={column.stage.name}
      className={cn(
        "relative flex max-h-full w-[85vw] max-w-72 shrink-0 snap-start flex-col rounded-lg border border-border bg-surface-muted sm:w-72",
        isOver && "border-accent ring-1 ring-accent",
      )}
    >
      <header className="flex flex-col gap-0.5 border-b border-border px-3 py-2.5">
        <div className="flex items-center justify-between gap-2">
          <h2 id={headingId} className="truncate text-sm font-semibold text-fg">
            {column.stage.name}
          </h2>
          <span className="rounded-full bg-surface px-2 py-0.5 text-xs font-medium text-fg-muted tabular-nums" data-testid="column-count">
            {column.count}
            <span className="sr-only"> deals</span>
          </span>
        </div>
        <p className="flex justify-between gap-2 text-xs text-fg-muted">
          <span className="tabular-nums" data-testid="column-total">
            {value ?? "\u00a0"}
          </span>
          <span>{column.stage.probability}%</span>
        </p>
      </header>
      <SortableContext id={column.stage.id} items={ids} strategy={verticalListSortingStrategy}>
        <ul ref={setNodeRef} className="flex min-h-24 flex-1 flex-col gap-2 overflow-y-auto p-2" aria-labelledby={headingId}>
          {ids.map((id) => {
            const card = cardsById.get(id);
            return card ? <SortableDealCard key={id} card={card} disabled={!canMove} /> : null;
          })}
          {ids.length === 0 && column.count === 0 && (
            <li className="rounded-md border border-dashed border-border px-3 py-6 text-center text-xs text-fg-subtle">No deals here</li>
          )}
        </ul>
      </SortableContext>
      {column.next_cursor && (
        <div className="border-t border-border p-2">
          <Button variant="ghost" size="sm" className="w-full" disabled={loading} onClick={() => void loadMore()}>
            {loading ? "Loading…" : `Load more (${column.count - column.cards.length} left)`}
          </Button>
          {loadError && (
            <p role="alert" className="mt-1 text-xs text-danger">
              {loadError}
            </p>
          )}
        </div>
      )}
    </section>
  );
});
