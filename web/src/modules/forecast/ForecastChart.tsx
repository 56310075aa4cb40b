import { Area, Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ChartBox } from "@/components/charts/ChartBox";
import { ANIMATE, axisProps, timeAxisProps } from "@/components/charts/theme";
import type { chartRows } from "./queries";

/**
 * Closed-won history as bars, the forecast's P10-P90 band as an area with its P50 line. Periods
 * run along a time axis that drops labels rather than crowd them on a phone; the accessible label
 * gives every period's numbers. Lazy-loaded (Recharts is large).
 */
export function ForecastChart({ rows, currency }: { rows: ReturnType<typeof chartRows>; currency: string }) {
  const money = new Intl.NumberFormat(undefined, { style: "currency", currency, notation: "compact", maximumFractionDigits: 1 });
  const periods = rows.map((r) =>
    r.band ? `${r.period}: P50 ${money.format(r.p50 ?? 0)}, P10 ${money.format(r.band[0])} to P90 ${money.format(r.band[1])}` : `${r.period}: ${money.format(r.won ?? 0)} won`,
  );
  return (
    <ChartBox label={`Revenue: closed-won history and the forecast's P10 to P90 range with its median. ${periods.join("; ")}`} height={288}>
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="var(--color-border)" />
          <XAxis dataKey="period" {...axisProps} {...timeAxisProps} />
          <YAxis {...axisProps} tickFormatter={(v: number) => money.format(v)} width={56} />
          <Tooltip formatter={(value) => (Array.isArray(value) ? value.map((v) => money.format(Number(v))).join(" – ") : money.format(Number(value)))} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar isAnimationActive={ANIMATE} dataKey="won" name="Closed won" fill="var(--color-success)" radius={[3, 3, 0, 0]} />
          <Area isAnimationActive={ANIMATE} dataKey="band" name="P10–P90" fill="var(--color-accent)" fillOpacity={0.18} stroke="none" />
          <Line isAnimationActive={ANIMATE} dataKey="p50" name="P50" stroke="var(--color-accent)" strokeWidth={2} dot={{ r: 3 }} />
        </ComposedChart>
      </ResponsiveContainer>
    </ChartBox>
  );
}
