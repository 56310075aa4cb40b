import { createContext, useContext } from "react";
import type { DealCard, Stage } from "./queries";

/**
 * What a card's menu can do, shared through context so memoised cards keep the same props while
 * the board around them re-renders during a drag.
 */
export type BoardActions = {
  openStages: Stage[];
  wonStage: Stage | undefined;
  lostStage: Stage | undefined;
  canMove: boolean;
  /** Moves a card to the top of an open stage, or into the won stage. */
  moveTo: (card: DealCard, stageId: string) => void;
  /** Asks for the reason, then moves the card into the lost stage. */
  askLost: (card: DealCard) => void;
  ownerName: (ownerId: string | null) => string | undefined;
};

export const BoardActionsContext = createContext<BoardActions | null>(null);

export function useBoardActions(): BoardActions {
  const actions = useContext(BoardActionsContext);
  if (!actions) throw new Error("useBoardActions outside the board");
  return actions;
}
