import { memo } from "react";
import { Avatar } from "@/components/ui/Avatar";
import { cn } from "@/lib/cn";
import { formatDate } from "@/lib/format";
import { useBoardActions } from "./boardActions";
import { CardMenu } from "./CardMenu";
import { formatAmount, isOverdue } from "./format";
import type { DealCard } from "./queries";
import { RecordLink } from "./RecordLink";

/**
 * What a card shows. Memoised on the card object: during a drag only the cards whose data
 * changed render again, which keeps a 500-card board smooth.
 */
export const DealCardView = memo(function DealCardView({ card, overlay = false }: { card: DealCard; overlay?: boolean }) {
  const { ownerName } = useBoardActions();
  const owner = ownerName(card.owner_id);
  const amount = formatAmount(card.amount, card.currency);
  const overdue = isOverdue(card.expected_close_date);
  return (
    <div
      className={cn(
        "relative flex flex-col gap-1.5 rounded-md border border-border bg-surface p-3 text-sm shadow-sm",
        overlay && "rotate-1 border-accent shadow-lg",
      )}
    >
      <div className="flex items-start justify-between gap-2">
        <RecordLink path={`/deals/${card.id}`} className="min-w-0 font-medium break-words text-fg hover:underline">
          {card.name}
        </RecordLink>
        {!overlay && <CardMenu card={card} />}
      </div>
      {card.company_name && <p className="truncate text-xs text-fg-muted">{card.company_name}</p>}
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-fg-muted">
        {amount && <span className="font-semibold text-fg tabular-nums">{amount}</span>}
        {card.expected_close_date && (
          <span className={cn(overdue && "font-medium text-danger")}>
            {overdue ? "Overdue · " : "Closes "}
            {formatDate(card.expected_close_date)}
          </span>
        )}
        {owner && (
          <span className="ml-auto flex items-center gap-1" title={`Owner: ${owner}`}>
            <Avatar name={owner} className="size-5 text-[0.6rem]" />
            <span className="sr-only">Owner: {owner}</span>
          </span>
        )}
      </div>
    </div>
  );
});
