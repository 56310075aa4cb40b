import { closestCenter, DndContext, KeyboardSensor, PointerSensor, useSensor, useSensors, type DragEndEvent } from "@dnd-kit/core";
import { arrayMove, SortableContext, sortableKeyboardCoordinates, verticalListSortingStrategy } from "@dnd-kit/sortable";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap } from "@/lib/api/client";
import { errorMessage } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { pipelinesQueryKey, type Pipeline, type Stage } from "./queries";
import { SortableStageRow } from "./SortableStageRow";

/**
 * A pipeline's stages in order; dragging one (or Space + arrows on its grip) saves the new order
 * at once and puts the old one back if the server refuses.
 */
export function StageList({ pipeline, canEdit, onEdit, onDelete }: {
  pipeline: Pipeline;
  canEdit: boolean;
  onEdit: (stage: Stage) => void;
  onDelete: (stage: Stage) => void;
}) {
  const queryClient = useQueryClient();
  // The order being saved, shown until the server's answer replaces the cached pipeline.
  const [pending, setPending] = useState<string[]>();
  const sensors = useSensors(useSensor(PointerSensor), useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }));
  const byId = new Map(pipeline.stages.map((stage) => [stage.id, stage]));
  const order = pending ?? pipeline.stages.map((stage) => stage.id);

  const reorder = useMutation({
    mutationFn: (stageIds: string[]) =>
      unwrap(api.POST("/api/v1/pipelines/{pipeline_id}/stages/reorder", { params: { path: { pipeline_id: pipeline.id } }, body: { stage_ids: stageIds } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: pipelinesQueryKey });
      toast("Stage order saved.");
    },
    onError: (error) => toast(`The order could not be saved: ${errorMessage(error)}`, "danger"),
    onSettled: () => setPending(undefined),
  });

  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    const next = arrayMove(order, order.indexOf(String(active.id)), order.indexOf(String(over.id)));
    setPending(next);
    reorder.mutate(next);
  };

  const name = (id: string | number) => byId.get(String(id))?.name ?? "the stage";
  const place = (id: string | number) => `position ${order.indexOf(String(id)) + 1} of ${order.length}`;

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={closestCenter}
      onDragEnd={onDragEnd}
      accessibility={{
        announcements: {
          onDragStart: ({ active }) => `Picked up ${name(active.id)}, ${place(active.id)}.`,
          onDragOver: ({ active, over }) => (over ? `${name(active.id)} is over ${name(over.id)}.` : `${name(active.id)} is not over a stage.`),
          onDragEnd: ({ active, over }) => (over ? `${name(active.id)} was dropped where ${name(over.id)} was.` : `${name(active.id)} was put back.`),
          onDragCancel: ({ active }) => `Reordering ${name(active.id)} was cancelled.`,
        },
      }}
    >
      <SortableContext items={order} strategy={verticalListSortingStrategy}>
        <ol className="divide-y divide-border" aria-label={`Stages of ${pipeline.name}`} aria-busy={reorder.isPending}>
          {order.map((id) => {
            const stage = byId.get(id);
            return stage ? (
              <SortableStageRow key={id} stage={stage} canEdit={canEdit} onEdit={() => onEdit(stage)} onDelete={() => onDelete(stage)} />
            ) : null;
          })}
        </ol>
      </SortableContext>
    </DndContext>
  );
}
