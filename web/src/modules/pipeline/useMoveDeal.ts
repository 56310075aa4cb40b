import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api/client";
import { isApiError } from "@/lib/api/ApiError";
import { errorMessage } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { moveCard, neighbours, updateCard } from "./boardState";
import { boardQueryKey, type Board, type BoardFilters, type DealCard } from "./queries";

export type MoveRequest = {
  card: DealCard;
  stageId: string;
  /** The target column's card ids in their new order (from the drop); omitted: bottom. */
  ids?: readonly string[] | undefined;
  lostReason?: string | undefined;
};

/**
 * Moving a card: the cache changes at once (optimistic), the server is told the stage and
 * neighbours, and on failure the board goes back to how it was and reloads from the server (a
 * 409 means a neighbour moved meanwhile). `moveNow` updates the cache synchronously, so a drop
 * never flashes back to the old place while the request starts.
 */
export function useMoveDeal(pipelineId: string, filters: BoardFilters) {
  const queryClient = useQueryClient();
  const key = boardQueryKey(pipelineId, filters);

  const mutation = useMutation({
    mutationFn: ({ card, stageId, ids, lostReason }: MoveRequest & { snapshot?: Board | undefined }) => {
      const { after_id, before_id } = ids ? neighbours(ids, card.id) : { after_id: null, before_id: null };
      return unwrap(
        api.POST("/api/v1/deals/{deal_id}/move", {
          params: { path: { deal_id: card.id } },
          body: {
            stage_id: stageId,
            // One neighbour is enough: the card goes right after `after_id`, else right before `before_id`.
            ...(after_id ? { after_id } : before_id ? { before_id } : {}),
            ...(lostReason ? { lost_reason: lostReason } : {}),
          },
        }),
      );
    },
    onSuccess: (deal, { card }) => {
      queryClient.setQueryData<Board>(key, (board) =>
        board
          ? updateCard(board, card.id, {
              board_rank: deal.board_rank,
              version: deal.version,
              status: deal.status,
              probability: deal.probability,
              stage_entered_at: deal.stage_entered_at,
              updated_at: deal.updated_at,
            })
          : board,
      );
    },
    onError: (error, { card, snapshot }) => {
      if (snapshot) queryClient.setQueryData(key, snapshot);
      const conflict = isApiError(error) && error.status === 409;
      toast(
        conflict
          ? `The board changed while you moved ${card.name}; it has been reloaded.`
          : `${card.name} could not be moved: ${errorMessage(error)}`,
        "danger",
      );
      void queryClient.invalidateQueries({ queryKey: key });
    },
    onSettled: () => {
      // Dashboards and other views of this pipeline read the same deals.
      void queryClient.invalidateQueries({ queryKey: ["dashboards"] });
    },
  });

  /** Optimistic move: the board changes now, the request follows. */
  const moveNow = (request: MoveRequest) => {
    const snapshot = queryClient.getQueryData<Board>(key);
    if (snapshot) queryClient.setQueryData(key, moveCard(snapshot, request.card.id, request.stageId, request.ids));
    mutation.mutate({ ...request, snapshot });
  };

  /** Confirmed move (losing a deal): waits for the server, throws its error for the form to show. */
  const moveConfirmed = async (request: MoveRequest) => {
    const deal = await unwrap(
      api.POST("/api/v1/deals/{deal_id}/move", {
        params: { path: { deal_id: request.card.id } },
        body: { stage_id: request.stageId, ...(request.lostReason ? { lost_reason: request.lostReason } : {}) },
      }),
    );
    queryClient.setQueryData<Board>(key, (board) =>
      board ? updateCard(moveCard(board, request.card.id, request.stageId), request.card.id, { status: deal.status, version: deal.version }) : board,
    );
    void queryClient.invalidateQueries({ queryKey: ["dashboards"] });
    return deal;
  };

  return { moveNow, moveConfirmed };
}
