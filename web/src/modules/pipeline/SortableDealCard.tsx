import { useSortable } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import { memo, useCallback } from "react";
import { cn } from "@/lib/cn";
import { DealCardView } from "./DealCardView";
import type { DealCard } from "./queries";

/**
 * A card the board can drag. The card itself is the handle: a mouse drag starts after a few
 * pixels and a touch after a short press (so its link and menu still take clicks and the
 * column still scrolls); with the keyboard, focus the card and press Space to pick it up, arrows
 * to move, Space to drop, Escape to cancel. Keys pressed on the link or menu inside do not
 * start a drag (dnd-kit only activates on the activator node itself).
 */
export type SortableDealCardProps = {
  card: DealCard;
  disabled: boolean;
  /** Its place in the column (the virtualizer measures the card under this index). */
  index: number;
  /** How many cards the stage holds, mounted or not. */
  setSize: number;
  measureRef: (element: HTMLLIElement | null) => void;
};

export const SortableDealCard = memo(function SortableDealCard({ card, disabled, index, setSize, measureRef }: SortableDealCardProps) {
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({
    id: card.id,
    disabled,
    attributes: { role: "listitem", roleDescription: "draggable deal" },
  });
  const ref = useCallback(
    (element: HTMLLIElement | null) => {
      setNodeRef(element);
      measureRef(element);
    },
    [setNodeRef, measureRef],
  );
  return (
    <li
      ref={ref}
      data-index={index}
      aria-posinset={index + 1}
      aria-setsize={setSize}
      style={{ transform: CSS.Translate.toString(transform), transition }}
      className={cn(
        "rounded-md outline-none focus-visible:ring-2 focus-visible:ring-accent focus-visible:ring-offset-2",
        !disabled && "cursor-grab touch-manipulation",
        isDragging && "opacity-40",
      )}
      data-testid="deal-card"
      data-deal-id={card.id}
      data-deal-name={card.name}
      aria-label={card.name}
      {...attributes}
      {...listeners}
    >
      <DealCardView card={card} />
    </li>
  );
});
