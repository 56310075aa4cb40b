import {
  closestCenter,
  DndContext,
  DragOverlay,
  KeyboardSensor,
  MouseSensor,
  getFirstCollision,
  pointerWithin,
  rectIntersection,
  TouchSensor,
  useSensor,
  useSensors,
  type CollisionDetection,
  type DragEndEvent,
  type DragOverEvent,
  type DragStartEvent,
  type UniqueIdentifier,
} from "@dnd-kit/core";
import { arrayMove, sortableKeyboardCoordinates } from "@dnd-kit/sortable";
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useLayoutEffect, useMemo, useRef, useState } from "react";
import { toast } from "@/lib/toast/toast";
import { announcements, instructions } from "./announcements";
import { BoardActionsContext, type BoardActions } from "./boardActions";
import { BoardColumnView } from "./BoardColumnView";
import { appendPage, columnItems, findColumnOf } from "./boardState";
import { DealCardView } from "./DealCardView";
import { LostReasonDialog } from "./LostReasonDialog";
import { OUTCOME_PREFIX, OutcomeZone } from "./OutcomeZone";
import { boardQueryKey, fetchStagePage, type Board, type BoardFilters, type DealCard } from "./queries";
import { useMoveDeal } from "./useMoveDeal";

/** One Set per column id array (the arrays change only with the board), not one per pointer move. */
const idSets = new WeakMap<string[], Set<string>>();
function idSet(ids: string[]): Set<string> {
  let set = idSets.get(ids);
  if (!set) {
    set = new Set(ids);
    idSets.set(ids, set);
  }
  return set;
}

export type KanbanBoardProps = {
  board: Board;
  filters: BoardFilters;
  canMove: boolean;
  ownerName: (ownerId: string | null) => string | undefined;
};

/**
 * The board: open stages as columns, won/lost as drop zones. Cards stay in their columns during a
 * drag (the target column lights up); the drop writes the new order to the query cache at once and
 * tells the server, which either confirms or rolls the cache back.
 */
export function KanbanBoard({ board, filters, canMove, ownerName }: KanbanBoardProps) {
  const queryClient = useQueryClient();
  const pipelineId = board.pipeline.id;
  const { moveNow, moveConfirmed } = useMoveDeal(pipelineId, filters);

  const openColumns = useMemo(() => board.columns.filter((c) => !c.stage.is_won && !c.stage.is_lost), [board.columns]);
  const wonColumn = board.columns.find((c) => c.stage.is_won);
  const lostColumn = board.columns.find((c) => c.stage.is_lost);
  const cacheItems = useMemo(() => columnItems({ ...board, columns: openColumns }), [board, openColumns]);
  const cardsById = useMemo(() => new Map(board.columns.flatMap((c) => c.cards.map((card) => [card.id, card] as const))), [board.columns]);

  const [activeId, setActiveId] = useState<string | null>(null);
  const [overColumn, setOverColumn] = useState<string | null>(null);
  const [losing, setLosing] = useState<DealCard>();
  // Cards stay in their columns while dragging (the target column lights up, the sortable
  // strategy opens a gap within the card's own column): moving cards between columns mid-drag
  // shifts the layout under the pointer, which on a full board fed back into endless updates.
  const items = cacheItems;
  // Handlers read the latest order without being re-created on every move.
  const itemsRef = useRef(items);
  useLayoutEffect(() => {
    itemsRef.current = items;
  }, [items]);
  const originRef = useRef<{ stageId: string; ids: string[] } | null>(null);

  // Over a gap between cards the last target holds, so the highlight does not flicker.
  const lastOverId = useRef<UniqueIdentifier | null>(null);

  const collisionDetection = useCallback<CollisionDetection>(
    (args) => {
      const columns = itemsRef.current;
      // Columns and won/lost zones first, then the cards of the column under the pointer: every
      // rect dnd-kit hands out re-reads the scroll offsets of its scrollable ancestors, so testing
      // each mounted card on every pointer move was most of a drag's cost on a full board.
      const targets = args.droppableContainers.filter((container) => {
        const id = String(container.id);
        return id in columns || id.startsWith(OUTCOME_PREFIX);
      });
      const pointer = pointerWithin({ ...args, droppableContainers: targets });
      // Won/lost zones win when the pointer is inside them.
      const zone = pointer.find((collision) => String(collision.id).startsWith(OUTCOME_PREFIX));
      if (zone) return [zone];
      let overId = getFirstCollision(pointer.length > 0 ? pointer : rectIntersection({ ...args, droppableContainers: targets }), "id");
      if (overId !== null) {
        const column = columns[String(overId)];
        if (column && column.length > 0) {
          // Over a column: the closest of its (mounted) cards.
          const inColumn = idSet(column);
          overId =
            closestCenter({ ...args, droppableContainers: args.droppableContainers.filter((c) => inColumn.has(String(c.id))) })[0]?.id ?? overId;
        }
        lastOverId.current = overId;
        return [{ id: overId }];
      }
      return lastOverId.current !== null ? [{ id: lastOverId.current }] : [];
    },
    [],
  );

  const sensors = useSensors(
    useSensor(MouseSensor, { activationConstraint: { distance: 6 } }),
    useSensor(TouchSensor, { activationConstraint: { delay: 250, tolerance: 8 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );

  const stageName = useCallback(
    (stageId: string) => board.columns.find((c) => c.stage.id === stageId)?.stage.name ?? "a stage",
    [board.columns],
  );
  const a11y = useMemo(
    () =>
      // placeOf reads the ref when dnd-kit announces a move (an event), never during render.
      // eslint-disable-next-line react-hooks/refs
      announcements({
        cardName: (id) => cardsById.get(id)?.name ?? "the deal",
        stageName,
        placeOf: (id) => {
          const stageId = findColumnOf(itemsRef.current, id);
          if (!stageId) return undefined;
          const ids = itemsRef.current[stageId] ?? [];
          return { stageId, position: ids.indexOf(id) + 1, size: ids.length };
        },
      }),
    [cardsById, stageName],
  );

  // Cards read the actions through context; the object changes only when the stages, the
  // right to move or the owner names do, so a move does not re-render every card.
  const latest = useRef({ columns: board.columns, moveNow });
  useLayoutEffect(() => {
    latest.current = { columns: board.columns, moveNow };
  });
  const stages = board.pipeline.stages;
  const actions = useMemo<BoardActions>(
    () => ({
      openStages: stages.filter((s) => !s.is_won && !s.is_lost),
      wonStage: stages.find((s) => s.is_won),
      lostStage: stages.find((s) => s.is_lost),
      canMove,
      ownerName,
      moveTo: (card, stageId) => {
        const column = latest.current.columns.find((c) => c.stage.id === stageId);
        if (!column) return;
        // From the menu a card goes to the top of the stage, where it is easy to find again.
        const ids = column.stage.is_won ? undefined : [card.id, ...column.cards.map((c) => c.id).filter((id) => id !== card.id)];
        latest.current.moveNow({ card, stageId, ids });
        toast(`${card.name} moved to ${column.stage.name}.`, "info");
      },
      askLost: (card) => setLosing(card),
    }),
    [stages, canMove, ownerName],
  );

  const onLoadMore = useCallback(
    async (stageId: string) => {
      const key = boardQueryKey(pipelineId, filters);
      const cursor = queryClient.getQueryData<Board>(key)?.columns.find((c) => c.stage.id === stageId)?.next_cursor;
      if (!cursor) return;
      const page = await fetchStagePage(pipelineId, stageId, cursor, filters);
      queryClient.setQueryData<Board>(key, (current) => (current ? appendPage(current, stageId, page.items, page.next_cursor) : current));
    },
    [pipelineId, filters, queryClient],
  );

  const onDragStart = ({ active }: DragStartEvent) => {
    const id = String(active.id);
    const stageId = findColumnOf(cacheItems, id);
    originRef.current = stageId ? { stageId, ids: cacheItems[stageId] ?? [] } : null;
    setActiveId(id);
    setOverColumn(stageId ?? null);
  };

  const onDragOver = ({ over }: DragOverEvent) => {
    if (!over) return;
    const overId = String(over.id);
    const column = overId.startsWith(OUTCOME_PREFIX) ? null : (findColumnOf(itemsRef.current, overId) ?? null);
    setOverColumn((current) => (current === column ? current : column));
  };

  const finish = () => {
    setActiveId(null);
    setOverColumn(null);
    originRef.current = null;
  };

  const onDragEnd = ({ active, over }: DragEndEvent) => {
    const id = String(active.id);
    const card = cardsById.get(id);
    const origin = originRef.current;
    const current = itemsRef.current;
    if (!over || !card || !origin || !canMove) {
      finish();
      return;
    }
    const overId = String(over.id);
    if (overId.startsWith(OUTCOME_PREFIX)) {
      const stageId = overId.slice(OUTCOME_PREFIX.length);
      finish();
      if (stageId === lostColumn?.stage.id) setLosing(card);
      else actions.moveTo(card, stageId);
      return;
    }
    const to = findColumnOf(current, overId);
    if (!to) {
      finish();
      return;
    }
    let ids: string[];
    if (to === origin.stageId) {
      // Within the column: where the sortable strategy showed the gap.
      const overIndex = overId === to ? origin.ids.length - 1 : origin.ids.indexOf(overId);
      ids = arrayMove(origin.ids, origin.ids.indexOf(id), overIndex);
    } else {
      // Into another column: in place of the card under it, or after it when dropped on its lower half.
      const target = (current[to] ?? []).filter((cardId) => cardId !== id);
      let index = target.length;
      if (overId !== to) {
        const dragged = active.rect.current.translated;
        const below = dragged !== null && dragged.top + dragged.height / 2 > over.rect.top + over.rect.height / 2;
        index = target.indexOf(overId) + (below ? 1 : 0);
      }
      ids = [...target.slice(0, index), id, ...target.slice(index)];
    }
    const unchanged = to === origin.stageId && ids.length === origin.ids.length && ids.every((cardId, i) => cardId === origin.ids[i]);
    if (!unchanged) moveNow({ card, stageId: to, ids });
    finish();
  };

  const activeCard = activeId ? cardsById.get(activeId) : undefined;

  return (
    <BoardActionsContext.Provider value={actions}>
      <DndContext
        sensors={sensors}
        collisionDetection={collisionDetection}
        accessibility={{ announcements: a11y, screenReaderInstructions: instructions }}
        onDragStart={onDragStart}
        onDragOver={onDragOver}
        onDragEnd={onDragEnd}
        onDragCancel={finish}
      >
        <div className="flex min-h-0 flex-1 flex-col gap-3">
          <div
            className="flex min-h-[24rem] flex-1 snap-x gap-3 overflow-x-auto pb-2"
            data-testid="kanban-board"
            role="region"
            aria-label={`${board.pipeline.name} board`}
            tabIndex={-1}
          >
            {openColumns.map((column) => (
              // A drop hands new column objects only to the columns it changed (boardState keeps
              // the others as they were), so only those re-render.
              <BoardColumnView
                key={column.stage.id}
                column={column}
                canMove={canMove}
                isOver={activeId !== null && overColumn === column.stage.id}
                onLoadMore={onLoadMore}
              />
            ))}
          </div>
          {(wonColumn || lostColumn) && (
            <div className={activeId ? "sticky bottom-2 z-10 flex gap-3" : "flex gap-3"} aria-label="Close deals" role="group">
              {wonColumn && <OutcomeZone column={wonColumn} active={activeId !== null} />}
              {lostColumn && <OutcomeZone column={lostColumn} active={activeId !== null} />}
            </div>
          )}
        </div>
        <DragOverlay dropAnimation={null}>{activeCard ? <DealCardView card={activeCard} overlay /> : null}</DragOverlay>
      </DndContext>
      <LostReasonDialog
        card={losing}
        onCancel={() => setLosing(undefined)}
        onConfirm={async (card, reason) => {
          if (!lostColumn) return;
          await moveConfirmed({ card, stageId: lostColumn.stage.id, lostReason: reason });
          setLosing(undefined);
          toast(`${card.name} was marked as lost.`);
        }}
      />
    </BoardActionsContext.Provider>
  );
}
