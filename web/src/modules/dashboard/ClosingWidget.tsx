import { formatDate } from "@/lib/format";
import { formatAmount } from "@/modules/pipeline/format";
import { RecordLink } from "@/modules/pipeline/RecordLink";
import { amountIn, type DashboardSummary, formatAmounts, mainCurrency } from "./types";
import { WidgetCard, type WidgetState } from "./WidgetCard";

const VISIBLE_DEALS = 5;

/** Open deals expected to close this month: how many, how much (and weighted), the largest ones. */
export function ClosingWidget({ data, state }: { data: DashboardSummary["closing"] | undefined; state: WidgetState }) {
  const amounts = data?.amounts ?? null;
  const weightedAmounts = amounts?.map((a) => ({ currency: a.currency, amount: a.weighted_amount })) ?? null;
  // The meter shows the weighted share in the main currency (a share mixing currencies would mean nothing).
  const currency = amounts ? mainCurrency(amounts) : null;
  const amount = amountIn(amounts, currency);
  const weighted = amountIn(weightedAmounts, currency);
  const share = amount && weighted !== null ? Math.min(100, Math.round((weighted / amount) * 100)) : 0;
  return (
    <WidgetCard
      testId="widget-closing"
      title="Closing this month"
      summary={
        <>
          {amounts && amounts.length > 0 ? formatAmounts(amounts, false) : (data?.count ?? 0)}
          <span className="ml-2 text-sm font-normal text-fg-muted">{data?.count ?? 0} deals</span>
        </>
      }
      state={state}
      empty={(data?.count ?? 0) === 0}
      emptyText="No open deals are expected to close this month."
    >
      {amount !== null && currency !== null && (
        <div className="flex flex-col gap-1.5">
          <div
            className="h-2.5 overflow-hidden rounded-full bg-surface-muted"
            role="meter"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={share}
            aria-label="Probability-weighted share"
          >
            <div className="h-full rounded-full bg-accent" style={{ width: `${share}%` }} />
          </div>
          <p className="text-xs text-fg-muted">
            Weighted by probability: <span className="font-medium text-fg">{formatAmounts(weightedAmounts, false)}</span>
            {amounts && amounts.length > 1 ? ` (${share}% of ${currency})` : ` (${share}%)`}
          </p>
        </div>
      )}
      <ul className="divide-y divide-border">
        {data?.deals.slice(0, VISIBLE_DEALS).map((deal) => (
          <li key={deal.id} className="flex items-center justify-between gap-3 py-2 text-sm">
            <span className="min-w-0">
              <RecordLink path={`/deals/${deal.id}`} className="block truncate font-medium text-fg hover:underline">
                {deal.name}
              </RecordLink>
              <span className="text-xs text-fg-subtle">
                {formatDate(deal.expected_close_date)}
                {deal.probability !== null ? ` · ${deal.probability}%` : ""}
              </span>
            </span>
            <span className="shrink-0 font-medium text-fg tabular-nums">{formatAmount(deal.amount, deal.currency) ?? ""}</span>
          </li>
        ))}
      </ul>
    </WidgetCard>
  );
}
