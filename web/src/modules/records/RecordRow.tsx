import { memo } from "react";
import { cn } from "@/lib/cn";
import type { CellContext, Column } from "./objects";
import type { BaseRow, BulkResult } from "./recordApi";
import { RecordLink } from "./RecordLink";

export const ROW_HEIGHT = 44;
export const SELECT_WIDTH = 48;

export type RecordRowProps = {
  row: BaseRow;
  index: number;
  top: number;
  width: number;
  columns: Column[];
  context: CellContext;
  name: string;
  href: string;
  selected: boolean;
  /** The outcome of the last bulk action for this row, if it was part of it. */
  result: BulkResult | undefined;
  onToggle: (id: string, shiftKey: boolean) => void;
};

/**
 * One row of a record list. Fixed height and absolute position (no layout work while scrolling),
 * memoised so that scrolling or selecting re-renders only the rows that changed.
 */
export const RecordRow = memo(function RecordRow({
  row,
  index,
  top,
  width,
  columns,
  context,
  name,
  href,
  selected,
  result,
  onToggle,
}: RecordRowProps) {
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-testid="record-row"
      data-id={row.id}
      className={cn(
        "absolute left-0 flex items-center border-b border-border text-sm",
        selected ? "bg-accent-subtle" : "bg-surface hover:bg-surface-hover",
      )}
      // Fixed geometry, so "strict" containment is safe: the browser lays out and paints each row
      // on its own when it mounts instead of walking the whole list.
      style={{ transform: `translateY(${top}px)`, height: ROW_HEIGHT, width, contain: "strict" }}
    >
      <div role="cell" className="flex h-full shrink-0 items-center gap-1 pl-4" style={{ width: SELECT_WIDTH }}>
        <input
          type="checkbox"
          className="size-4 cursor-pointer accent-accent"
          checked={selected}
          aria-label={`Select ${name}`}
          onChange={(event) => onToggle(row.id, (event.nativeEvent as MouseEvent).shiftKey)}
        />
      </div>
      {columns.map((column, position) => (
        <div
          key={column.key}
          role="cell"
          className={cn("flex h-full min-w-0 shrink-0 items-center truncate px-3", column.align === "end" && "justify-end tabular-nums")}
          style={{ width: column.width }}
        >
          {position === 0 ? (
            <span className="flex min-w-0 items-center gap-2">
              {result && (
                <span
                  data-testid="row-result"
                  data-ok={result.ok}
                  title={result.ok ? "Done" : (result.error ?? "Failed")}
                  className={cn("shrink-0 text-xs font-bold", result.ok ? "text-success" : "text-danger")}
                >
                  <span aria-hidden="true">{result.ok ? "✓" : "✕"}</span>
                  <span className="sr-only">{result.ok ? "Done: " : `Failed (${result.error ?? "error"}): `}</span>
                </span>
              )}
              <RecordLink href={href} className="truncate font-medium text-fg hover:text-accent hover:underline">
                {name || <span className="text-fg-subtle">(no name)</span>}
              </RecordLink>
            </span>
          ) : (
            <span className="min-w-0 truncate">{column.render(row, context)}</span>
          )}
        </div>
      ))}
    </div>
  );
});
