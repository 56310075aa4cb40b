import { useSortable } from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";
import { memo } from "react";
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
export const SortableDealCard = memo(function SortableDealCard({ card, disabled }: { card: DealCard; disabled: boolean }) {
  const { attributes, listeners, setNodeRef, transform, transition, isDragging } = useSortable({
    id: card.id,
    disabled,
    attributes: { role: "listitem", roleDescription: "draggable deal" },
  });
  return (
    <li
      ref={setNodeRef}
      // Cards scrolled out of their column skip layout and paint (the box keeps its last size, or
      // about a card's height before it was ever shown), so appending 100 cards to a 500-card board
      // only lays out the ones in view. They stay in the DOM, so dnd-kit can still measure them.
      style={{ transform: CSS.Translate.toString(transform), transition, contentVisibility: "auto", containIntrinsicSize: "auto 92px" }}
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
