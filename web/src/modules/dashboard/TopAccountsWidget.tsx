import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import { ChartBox } from "@/components/charts/ChartBox";
import { categoryAxisWidth, fitLabel, LABEL_GAP_PX } from "@/components/charts/labels";
import { ANIMATE, axisProps, categoryTick, COLORS } from "@/components/charts/theme";
import { useChartWidth } from "@/components/charts/useChartWidth";
import { money } from "./chartTheme";
import { type DashboardSummary, toNumber } from "./types";
import { WidgetCard, type WidgetState } from "./WidgetCard";

/**
 * Companies by won deal value in the range. The server ranks per (company, currency); the chart
 * plots the main currency's accounts so bars share one scale, and says so when others exist.
 */
export function TopAccountsWidget({ data, state }: { data: DashboardSummary["top_accounts"] | undefined; state: WidgetState }) {
  const accounts = data?.accounts ?? [];
  const showAmounts = accounts.length > 0 && accounts.every((a) => a.won_amount !== null);
  const currency = showAmounts ? (accounts[0]?.currency ?? null) : null;
  const others = new Set(accounts.filter((a) => a.currency !== currency).map((a) => a.currency));
  const rows = accounts
    .filter((a) => !showAmounts || a.currency === currency)
    .map((a) => ({ name: a.name, value: toNumber(a.won_amount), deals: a.won_deals }));
  const key = showAmounts ? "value" : "deals";
  const [ref, width] = useChartWidth<HTMLDivElement>();
  // Names beside the bars, as wide as the longest needs up to 40% of the chart; cut ones end in "…".
  const names = categoryAxisWidth(
    rows.map((r) => r.name),
    width,
  );
  return (
    <WidgetCard
      testId="widget-top-accounts"
      title="Top accounts"
      summary={
        rows[0] ? (
          <span className="text-base">
            {rows[0].name}
            {showAmounts && others.size > 0 && (
              <span className="ml-2 text-sm font-normal text-fg-muted">
                in {currency}; also won in {[...others].join(", ")}
              </span>
            )}
          </span>
        ) : undefined
      }
      state={state}
      empty={rows.length === 0}
      emptyText="No deals were won in this period."
      className="lg:col-span-2"
    >
      <ChartBox ref={ref} label={rows.map((r) => `${r.name}: ${showAmounts ? money(r.value, currency) : `${r.deals} deals`}`).join(", ")} height={256} layout="rows">
        {width > 0 && (
          <BarChart width={width} height={256} data={rows} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid horizontal={false} stroke={COLORS.grid} />
            <XAxis type="number" {...axisProps} tickFormatter={(v: number) => (showAmounts ? money(v, currency) : String(v))} />
            <YAxis type="category" dataKey="name" {...axisProps} tick={categoryTick} width={names} interval={0} tickFormatter={(name: string) => fitLabel(name, names - LABEL_GAP_PX)} />
            <Tooltip
              cursor={{ fill: COLORS.grid, opacity: 0.4 }}
              formatter={(value, _name, item) => {
                const row = item.payload as (typeof rows)[number];
                return showAmounts ? [`${money(Number(value), currency, false)} · ${row.deals} won`, "Won"] : [String(value), "Deals won"];
              }}
            />
            <Bar isAnimationActive={ANIMATE} dataKey={key} fill={COLORS.accent} radius={[0, 4, 4, 0]} maxBarSize={22} />
          </BarChart>
        )}
      </ChartBox>
    </WidgetCard>
  );
}
