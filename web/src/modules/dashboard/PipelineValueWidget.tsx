import { Link } from "@tanstack/react-router";
import { SERIES } from "@/components/charts/theme";
import { PipelineValueChart, type StageBar } from "./PipelineValueChart";
import { amountIn, type DashboardSummary, formatAmounts, mainCurrency, sumAmounts } from "./types";
import { WidgetCard, type WidgetState } from "./WidgetCard";

/**
 * Open pipeline value by stage (deal counts for roles that may not see amounts). The headline
 * names every currency; the bars plot the main one (deals in other currencies are never added in).
 */
export function PipelineValueWidget({ data, state }: { data: DashboardSummary["pipeline"] | undefined; state: WidgetState }) {
  const open = (data?.stages ?? []).filter((stage) => !stage.is_won && !stage.is_lost);
  const showAmounts = open.length > 0 && open.every((stage) => stage.amounts !== null);
  const totals = sumAmounts(open.map((stage) => stage.amounts));
  const currency = showAmounts ? mainCurrency(totals) : null;
  const rows: StageBar[] = open.map((stage, index) => ({
    name: stage.name,
    count: stage.count,
    amount: amountIn(stage.amounts, currency),
    fill: SERIES[index % SERIES.length],
  }));
  const plotAmounts = currency !== null;
  const totalCount = rows.reduce((n, row) => n + row.count, 0);

  return (
    <WidgetCard
      testId="widget-pipeline"
      title={`Open pipeline${data?.pipeline_name ? ` · ${data.pipeline_name}` : ""}`}
      summary={
        <>
          {plotAmounts ? formatAmounts(totals, false) : totalCount}
          <span className="ml-2 text-sm font-normal text-fg-muted">
            {plotAmounts ? `${totalCount} open deals` : "open deals"}
            {totals.length > 1 && currency ? ` · chart in ${currency}` : ""}
          </span>
        </>
      }
      state={state}
      empty={totalCount === 0}
      emptyText="No open deals in this pipeline."
      action={
        <Link to="/pipeline" className="shrink-0 rounded text-sm font-medium text-accent hover:underline">
          Open board
        </Link>
      }
      className="lg:col-span-2"
    >
      <PipelineValueChart rows={rows} currency={currency} />
    </WidgetCard>
  );
}
