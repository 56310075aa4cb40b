import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef } from "react";
import { Spinner } from "@/components/ui/Spinner";
import { cn } from "@/lib/cn";
import type { CellContext, Column, ObjectConfig } from "./objects";
import type { BaseRow, BulkResult } from "./recordApi";
import { RecordRow, ROW_HEIGHT, SELECT_WIDTH } from "./RecordRow";

const HEADER_HEIGHT = 40;
/** Start loading the next page this many rows before the end, so scrolling rarely waits. */
const PREFETCH_ROWS = 100;

export type RecordTableProps = {
  config: ObjectConfig;
  rows: BaseRow[];
  /** Rows the list holds in all (for assistive technology); the loaded count when unknown. */
  rowCount: number;
  columns: Column[];
  context: CellContext;
  sort: string | undefined;
  onSort: (column: Column) => void;
  selected: ReadonlySet<string>;
  onToggle: (id: string, shiftKey: boolean) => void;
  onToggleAll: () => void;
  results: ReadonlyMap<string, BulkResult>;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => void;
};

/**
 * A virtualised record list: only the rows in view (plus a few) are in the DOM, every row has the
 * same height, and the next page loads as the end comes near. It scrolls inside its own box, both
 * ways, so wide column sets never make the page scroll sideways.
 */
export function RecordTable({
  config,
  rows,
  rowCount,
  columns,
  context,
  sort,
  onSort,
  selected,
  onToggle,
  onToggleAll,
  results,
  hasNextPage,
  isFetchingNextPage,
  fetchNextPage,
}: RecordTableProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // TanStack Virtual hands back a mutable instance; this component re-renders on its scroll events.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    scrollMargin: HEADER_HEIGHT,
    // Let React batch scroll frames instead of forcing a synchronous render per scroll event: on a
    // fast wheel flick the synchronous renders queued up into long tasks.
    useFlushSync: false,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;

  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= rows.length - PREFETCH_ROWS) fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, lastIndex, rows.length, fetchNextPage]);

  const width = SELECT_WIDTH + columns.reduce((sum, column) => sum + column.width, 0);
  // Not on every scroll frame: with 100,000 rows loaded this walk is the costliest thing here.
  const loadedSelected = useMemo(() => rows.length > 0 && rows.every((row) => selected.has(row.id)), [rows, selected]);
  const someSelected = selected.size > 0 && !loadedSelected;

  return (
    <div
      ref={scrollRef}
      data-testid="record-list"
      role="table"
      aria-label={config.plural}
      aria-rowcount={rowCount + 1}
      className="relative h-[calc(100dvh-17rem)] min-h-80 overflow-auto overscroll-contain rounded-lg border border-border bg-surface shadow-card"
      tabIndex={-1}
    >
      <div style={{ width, minWidth: "100%" }}>
        <div
          role="row"
          aria-rowindex={1}
          className="sticky top-0 z-10 flex items-center border-b border-border bg-surface-muted text-xs font-medium text-fg-muted"
          style={{ height: HEADER_HEIGHT, width }}
        >
          <div role="columnheader" className="flex h-full shrink-0 items-center pl-4" style={{ width: SELECT_WIDTH }}>
            <input
              type="checkbox"
              className="size-4 cursor-pointer accent-accent"
              checked={loadedSelected}
              ref={(element) => {
                if (element) element.indeterminate = someSelected;
              }}
              onChange={onToggleAll}
              aria-label={loadedSelected ? "Clear the selection" : `Select the ${rows.length} loaded ${config.plural}`}
              disabled={rows.length === 0}
            />
          </div>
          {columns.map((column) => {
            const active = sort === column.sort ? "ascending" : sort === `-${column.sort ?? ""}` ? "descending" : "none";
            return (
              <div
                key={column.key}
                role="columnheader"
                aria-sort={column.sort ? active : undefined}
                className={cn("flex h-full shrink-0 items-center px-3", column.align === "end" && "justify-end")}
                style={{ width: column.width }}
              >
                {column.sort ? (
                  <button
                    type="button"
                    onClick={() => onSort(column)}
                    className={cn(
                      "-mx-1 inline-flex cursor-pointer items-center gap-1 rounded px-1 py-0.5 hover:bg-surface-hover hover:text-fg",
                      active !== "none" && "text-fg",
                    )}
                    aria-label={`Sort by ${column.label}`}
                    title={`Sort by ${column.label}`}
                  >
                    <span className="truncate">{column.label}</span>
                    <span aria-hidden="true" className="w-3 text-[10px]">
                      {active === "ascending" ? "▲" : active === "descending" ? "▼" : ""}
                    </span>
                  </button>
                ) : (
                  <span className="truncate">{column.label}</span>
                )}
              </div>
            );
          })}
        </div>
        {/* Size containment: mounting rows never re-lays-out or repaints the rest of the page. */}
        <div role="rowgroup" className="relative" style={{ height: virtualizer.getTotalSize(), contain: "strict" }}>
          {items.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <RecordRow
                key={row.id}
                row={row}
                index={item.index}
                top={item.start - HEADER_HEIGHT}
                width={width}
                columns={columns}
                context={context}
                name={config.name(row)}
                href={config.href(row.id)}
                selected={selected.has(row.id)}
                result={results.get(row.id)}
                onToggle={onToggle}
              />
            );
          })}
        </div>
        {isFetchingNextPage && (
          <div className="sticky left-0 flex h-11 items-center justify-center border-t border-border" style={{ width: "100%" }}>
            <Spinner label={`Loading more ${config.plural}…`} showLabel />
          </div>
        )}
      </div>
    </div>
  );
}
