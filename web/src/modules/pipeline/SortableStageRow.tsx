import { useSortable } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { cn } from "@/lib/cn";
import type { Stage } from "./queries";

/** One stage in the settings list; the grip button drags it (pointer or Space + arrows). */
export function SortableStageRow({ stage, canEdit, onEdit, onDelete }: {
  stage: Stage;
  canEdit: boolean;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id: stage.id, disabled: !canEdit });
  return (
    <li
      ref={setNodeRef}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      className={cn("flex items-center gap-2 bg-surface px-3 py-2.5 sm:px-5", isDragging && "relative z-10 shadow-lg")}
      data-stage={stage.name}
    >
      {canEdit && (
        <button
          type="button"
          ref={setActivatorNodeRef}
          {...attributes}
          {...listeners}
          aria-label={`Reorder ${stage.name}`}
          className="inline-flex size-8 shrink-0 cursor-grab touch-none items-center justify-center rounded-md text-fg-subtle hover:bg-surface-hover hover:text-fg"
        >
          <svg aria-hidden="true" viewBox="0 0 16 16" className="size-4" fill="currentColor">
            <circle cx="5.5" cy="4" r="1.2" />
            <circle cx="10.5" cy="4" r="1.2" />
            <circle cx="5.5" cy="8" r="1.2" />
            <circle cx="10.5" cy="8" r="1.2" />
            <circle cx="5.5" cy="12" r="1.2" />
            <circle cx="10.5" cy="12" r="1.2" />
          </svg>
        </button>
      )}
      <div className="flex min-w-0 flex-1 flex-wrap items-center gap-x-2 gap-y-1">
        <span className="truncate font-medium text-fg">{stage.name}</span>
        {stage.is_won && <Badge tone="success">Won</Badge>}
        {stage.is_lost && <Badge tone="danger">Lost</Badge>}
        <span className="text-xs text-fg-subtle tabular-nums">{stage.probability}%</span>
      </div>
      {canEdit && (
        <div className="flex shrink-0 gap-1">
          <Button variant="ghost" size="sm" onClick={onEdit}>
            Edit<span className="sr-only"> {stage.name}</span>
          </Button>
          <Button variant="danger-ghost" size="sm" onClick={onDelete}>
            Delete<span className="sr-only"> {stage.name}</span>
          </Button>
        </div>
      )}
    </li>
  );
}
