import { useDroppable } from "@dnd-kit/core";
import { SortableContext, verticalListSortingStrategy } from "@dnd-kit/sortable";
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useCallback, useMemo, useRef, useState } from "react";
import { Button } from "@/components/ui/Button";
import { cn } from "@/lib/cn";
import { errorMessage } from "@/lib/forms/apiErrors";
import { formatTotals } from "./format";
import type { BoardColumn } from "./queries";
import { SortableDealCard } from "./SortableDealCard";

/** A card's height before it is measured (name on one line, company, amount and date). */
const CARD_ESTIMATE = 100;
/** The list's padding and the gap between cards (p-2, gap-2), which the virtualizer adds up. */
const LIST_PADDING = 8;
const CARD_GAP = 8;

export type BoardColumnViewProps = {
  column: BoardColumn;
  canMove: boolean;
  isOver: boolean;
  onLoadMore: (stageId: string) => Promise<void>;
};

/**
 * One stage: header with count and value, its cards in board order, and "load more".
 *
 * The cards are virtualised: only those in view (plus a few) are mounted, with two spacers standing
 * in for the rest (not padding: a scroll box cannot shrink below its padding), so a column of hundreds of cards costs what a screenful costs. That matters most
 * during a drag, when dnd-kit re-renders every mounted sortable and measures every droppable on
 * each pointer move. The sortable context still lists every id (keyboard moves and the drop
 * position work on the whole column), and dnd-kit keeps the dragged card's node when it scrolls away.
 */
export const BoardColumnView = memo(function BoardColumnView({ column, canMove, isOver, onLoadMore }: BoardColumnViewProps) {
  const { setNodeRef } = useDroppable({ id: column.stage.id, data: { type: "column" } });
  const ids = useMemo(() => column.cards.map((card) => card.id), [column.cards]);
  const scrollRef = useRef<HTMLUListElement | null>(null);
  const setListRef = useCallback(
    (element: HTMLUListElement | null) => {
      scrollRef.current = element;
      setNodeRef(element);
    },
    [setNodeRef],
  );
  const virtualizer = useVirtualizer({
    count: column.cards.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => CARD_ESTIMATE,
    getItemKey: (index) => column.cards[index]?.id ?? index,
    gap: CARD_GAP,
    paddingStart: LIST_PADDING,
    paddingEnd: LIST_PADDING,
    overscan: 4,
    // A first render with a column's worth of cards, before the list has been measured.
    initialRect: { width: 288, height: 720 },
    useFlushSync: false,
  });
  const visible = virtualizer.getVirtualItems();
  // The flex gap after (before) a spacer counts towards the space it stands for.
  const before = Math.max(0, (visible[0]?.start ?? 0) - LIST_PADDING - CARD_GAP);
  const after = Math.max(0, virtualizer.getTotalSize() - LIST_PADDING - (visible.at(-1)?.end ?? 0) - CARD_GAP);
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
      // Cards loaded into the column (only some are mounted): what the UI benchmark counts.
      data-cards-loaded={column.cards.length}
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
        <ul ref={setListRef} className="flex min-h-24 flex-1 flex-col gap-2 overflow-y-auto p-2" aria-labelledby={headingId}>
          {before > 0 && <li role="presentation" aria-hidden="true" className="shrink-0" style={{ height: before }} />}
          {visible.map((item) => {
            const card = column.cards[item.index];
            return card ? (
              <SortableDealCard
                key={card.id}
                card={card}
                disabled={!canMove}
                index={item.index}
                // The list holds more cards than are mounted: say where this one is in the stage.
                setSize={column.count}
                measureRef={virtualizer.measureElement}
              />
            ) : null;
          })}
          {after > 0 && <li role="presentation" aria-hidden="true" className="shrink-0" style={{ height: after }} />}
          {ids.length === 0 && column.count === 0 && (
            <li className="rounded-md border border-dashed border-border px-3 py-6 text-center text-xs text-fg-subtle">No deals here</li>
          )}
        </ul>
      </SortableContext>
      {column.next_cursor && (
        <div className="border-t border-border p-2">
          <Button variant="ghost" size="sm" className="w-full" disabled={loading} data-testid="load-more" onClick={() => void loadMore()}>
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
