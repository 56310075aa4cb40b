import type { Announcements, ScreenReaderInstructions } from "@dnd-kit/core";
import { OUTCOME_PREFIX } from "./OutcomeZone";

/** Names for the ids dnd-kit hands around: cards, columns and the won/lost zones. */
export type BoardNames = {
  cardName: (id: string) => string;
  stageName: (stageId: string) => string;
  /** The stage a card currently sits in and its 1-based place there. */
  placeOf: (id: string) => { stageId: string; position: number; size: number } | undefined;
};

export const instructions: ScreenReaderInstructions = {
  draggable:
    "To move a deal, press Space. Use the arrow keys to move it up and down or to another stage, Space again to drop it, Escape to cancel. Or open the deal's menu and choose a stage.",
};

function where(names: BoardNames, overId: string): string {
  if (overId.startsWith(OUTCOME_PREFIX)) return `over ${names.stageName(overId.slice(OUTCOME_PREFIX.length))}`;
  // Over a card: its stage and place; over an empty stretch of a column: the stage.
  const place = names.placeOf(overId);
  if (!place) return `over ${names.stageName(overId)}`;
  return `in ${names.stageName(place.stageId)}, at position ${place.position} of ${place.size}`;
}

/** What a screen reader hears while a card is moved with the keyboard or the mouse. */
export function announcements(names: BoardNames): Announcements {
  return {
    onDragStart: ({ active }) => {
      const place = names.placeOf(String(active.id));
      return `Picked up ${names.cardName(String(active.id))}${place ? ` in ${names.stageName(place.stageId)}, position ${place.position} of ${place.size}` : ""}.`;
    },
    onDragOver: ({ active, over }) =>
      over ? `${names.cardName(String(active.id))} is ${where(names, String(over.id))}.` : `${names.cardName(String(active.id))} is no longer over a stage.`,
    onDragEnd: ({ active, over }) =>
      over
        ? `${names.cardName(String(active.id))} was dropped ${where(names, String(over.id))}.`
        : `${names.cardName(String(active.id))} was put back.`,
    onDragCancel: ({ active }) => `Moving ${names.cardName(String(active.id))} was cancelled; it is back where it was.`,
  };
}
