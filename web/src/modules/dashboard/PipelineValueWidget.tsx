import { Link } from "@tanstack/react-router";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ANIMATE, axisProps, COLORS, money, SERIES } from "./chartTheme";
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
  const rows = open.map((stage, index) => ({
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
      <div className="h-60" role="img" aria-label={rows.map((r) => `${r.name}: ${plotAmounts ? money(r.amount, currency) : r.count}`).join(", ")}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid vertical={false} stroke={COLORS.grid} />
            <XAxis dataKey="name" {...axisProps} interval={0} tickFormatter={(name: string) => (name.length > 12 ? `${name.slice(0, 11)}…` : name)} />
            <YAxis {...axisProps} width={56} tickFormatter={(v: number) => (plotAmounts ? money(v, currency) : String(v))} />
            <Tooltip
              cursor={{ fill: COLORS.grid, opacity: 0.4 }}
              formatter={(value, _name, item) => {
                const row = item.payload as (typeof rows)[number];
                return plotAmounts ? [`${money(Number(value), currency, false)} · ${row.count} deals`, "Value"] : [String(value), "Deals"];
              }}
            />
            {/* Each bar takes its colour from its row's `fill`. */}
            <Bar isAnimationActive={ANIMATE} dataKey={plotAmounts ? "amount" : "count"} radius={[4, 4, 0, 0]} maxBarSize={56} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </WidgetCard>
  );
}
