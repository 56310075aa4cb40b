import { useQuery } from "@tanstack/react-query";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ANIMATE, axisProps, COLORS, money } from "./chartTheme";
import type { DateRange } from "./dateRange";
import { topAccountsOptions } from "./queries";
import { toNumber } from "./types";
import { WidgetCard } from "./WidgetCard";

/** Companies by won deal value in the range. */
export function TopAccountsWidget({ range }: { range: DateRange }) {
  const query = useQuery(topAccountsOptions(range));
  const rows = (query.data?.accounts ?? []).map((a) => ({ name: a.name, value: toNumber(a.won_amount), deals: a.won_deals }));
  const showAmounts = rows.some((r) => r.value !== null);
  const key = showAmounts ? "value" : "deals";
  return (
    <WidgetCard
      testId="widget-top-accounts"
      title="Top accounts"
      summary={rows[0] ? <span className="text-base">{rows[0].name}</span> : undefined}
      state={query}
      empty={rows.length === 0}
      emptyText="No deals were won in this period."
      className="lg:col-span-2"
    >
      <div className="h-64" role="img" aria-label={rows.map((r) => `${r.name}: ${showAmounts ? money(r.value) : `${r.deals} deals`}`).join(", ")}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows} layout="vertical" margin={{ top: 0, right: 12, bottom: 0, left: 0 }}>
            <CartesianGrid horizontal={false} stroke={COLORS.grid} />
            <XAxis type="number" {...axisProps} tickFormatter={(v: number) => (showAmounts ? money(v) : String(v))} />
            <YAxis
              type="category"
              dataKey="name"
              {...axisProps}
              width={120}
              tickFormatter={(name: string) => (name.length > 15 ? `${name.slice(0, 14)}…` : name)}
            />
            <Tooltip
              cursor={{ fill: COLORS.grid, opacity: 0.4 }}
              formatter={(value, _name, item) => {
                const row = item.payload as (typeof rows)[number];
                return showAmounts ? [`${money(Number(value), false)} · ${row.deals} won`, "Won"] : [String(value), "Deals won"];
              }}
            />
            <Bar isAnimationActive={ANIMATE} dataKey={key} fill={COLORS.accent} radius={[0, 4, 4, 0]} maxBarSize={22} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </WidgetCard>
  );
}
