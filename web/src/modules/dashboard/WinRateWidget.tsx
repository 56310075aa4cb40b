import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ChartBox } from "@/components/charts/ChartBox";
import { ANIMATE, axisProps, COLORS, timeAxisProps } from "@/components/charts/theme";
import { percent } from "./chartTheme";
import type { DateRange } from "./dateRange";
import { intervalFor } from "./dateRange";
import { type DashboardSummary, formatAmounts, sumAmounts } from "./types";
import { WidgetCard, type WidgetState } from "./WidgetCard";

const monthFormat = new Intl.DateTimeFormat(undefined, { month: "short", year: "2-digit" });
const dayFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });

function periodLabel(period: string, interval: "week" | "month" | "quarter"): string {
  const date = new Date(`${period}T00:00:00`);
  if (Number.isNaN(date.getTime())) return period;
  if (interval === "quarter") return `Q${Math.floor(date.getMonth() / 3) + 1} ${String(date.getFullYear()).slice(2)}`;
  return interval === "week" ? dayFormat.format(date) : monthFormat.format(date);
}

/** Won and lost deals per period with the win rate as a line over them. */
export function WinRateWidget({ data, state, range }: { data: DashboardSummary["win_rate"] | undefined; state: WidgetState; range: DateRange }) {
  const interval = intervalFor(range);
  const periods = data?.periods ?? [];
  const rows = periods.map((p) => ({
    label: periodLabel(p.period, interval),
    won: p.won,
    lost: p.lost,
    rate: p.win_rate === null ? null : Math.round(p.win_rate * 100),
  }));
  const won = rows.reduce((n, r) => n + r.won, 0);
  const lost = rows.reduce((n, r) => n + r.lost, 0);
  // Won value per currency ("€40K + $5K won"); absent for roles that may not see amounts.
  const wonAmounts = periods.some((p) => p.won_amounts === null) ? null : formatAmounts(sumAmounts(periods.map((p) => p.won_amounts)));

  return (
    <WidgetCard
      testId="widget-win-rate"
      title="Win rate"
      summary={
        <>
          {percent(won + lost ? won / (won + lost) : null)}
          <span className="ml-2 text-sm font-normal text-fg-muted">
            {won} won · {lost} lost{wonAmounts ? ` · ${wonAmounts} won` : ""}
          </span>
        </>
      }
      state={state}
      empty={rows.length === 0}
      emptyText="No deals were won or lost in this period."
    >
      <ChartBox label={rows.map((r) => `${r.label}: ${r.won} won, ${r.lost} lost`).join("; ")} height={240}>
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={rows} margin={{ top: 8, right: 0, bottom: 0, left: -16 }}>
            <CartesianGrid vertical={false} stroke={COLORS.grid} />
            <XAxis dataKey="label" {...axisProps} {...timeAxisProps} />
            <YAxis yAxisId="deals" {...axisProps} allowDecimals={false} width={40} />
            <YAxis yAxisId="rate" orientation="right" {...axisProps} domain={[0, 100]} width={40} tickFormatter={(v: number) => `${v}%`} />
            <Tooltip formatter={(value, name) => (name === "Win rate" ? [`${String(value)}%`, name] : [String(value), name])} />
            <Legend iconType="circle" iconSize={8} wrapperStyle={{ fontSize: 12 }} />
            <Bar isAnimationActive={ANIMATE} yAxisId="deals" dataKey="won" name="Won" stackId="closed" fill={COLORS.success} maxBarSize={28} />
            <Bar isAnimationActive={ANIMATE} yAxisId="deals" dataKey="lost" name="Lost" stackId="closed" fill={COLORS.danger} fillOpacity={0.55} radius={[4, 4, 0, 0]} maxBarSize={28} />
            <Line isAnimationActive={ANIMATE} yAxisId="rate" dataKey="rate" name="Win rate" type="monotone" stroke={COLORS.accent} strokeWidth={2} dot={{ r: 3 }} connectNulls />
          </ComposedChart>
        </ResponsiveContainer>
      </ChartBox>
    </WidgetCard>
  );
}
