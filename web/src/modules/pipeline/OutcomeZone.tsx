import { useDroppable } from "@dnd-kit/core";
import { cn } from "@/lib/cn";
import { formatTotals } from "./format";
import type { BoardColumn } from "./queries";

export const OUTCOME_PREFIX = "outcome:";

/** A won or lost stage as a drop target under the board (its closed deals are not shown as cards). */
export function OutcomeZone({ column, active }: { column: BoardColumn; active: boolean }) {
  const won = column.stage.is_won;
  const { setNodeRef, isOver } = useDroppable({ id: `${OUTCOME_PREFIX}${column.stage.id}`, data: { type: "outcome" } });
  const value = formatTotals(column.totals);
  return (
    <div
      ref={setNodeRef}
      data-testid={won ? "drop-won" : "drop-lost"}
      className={cn(
        "flex min-h-14 flex-1 items-center justify-between gap-3 rounded-lg border-2 border-dashed px-4 py-2 text-sm transition-colors",
        won ? "border-success-border bg-success-subtle text-success" : "border-danger-border bg-danger-subtle text-danger",
        active && "min-h-20",
        isOver && (won ? "border-success bg-success/15" : "border-danger bg-danger/15"),
      )}
    >
      <span className="font-semibold">
        {active ? `Drop here: ${won ? "won" : "lost"}` : column.stage.name}
      </span>
      <span className="text-xs tabular-nums">
        {column.count} {column.count === 1 ? "deal" : "deals"}
        {value ? ` · ${value}` : ""}
      </span>
    </div>
  );
}
