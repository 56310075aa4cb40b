import { Area, Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { chartRows } from "./queries";

/** Closed-won history as bars, the forecast's P10-P90 band as an area with its P50 line. Lazy-loaded (Recharts is large). */
export function ForecastChart({ rows, currency }: { rows: ReturnType<typeof chartRows>; currency: string }) {
  const money = new Intl.NumberFormat(undefined, { style: "currency", currency, notation: "compact", maximumFractionDigits: 1 });
  return (
    <div className="h-72 w-full" role="img" aria-label="Revenue: closed-won history and the forecast's P10 to P90 range with its median">
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="var(--color-border)" />
          <XAxis dataKey="period" tick={{ fontSize: 11 }} minTickGap={12} />
          <YAxis tickFormatter={(v: number) => money.format(v)} tick={{ fontSize: 11 }} width={56} />
          <Tooltip formatter={(value) => (Array.isArray(value) ? value.map((v) => money.format(Number(v))).join(" – ") : money.format(Number(value)))} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="won" name="Closed won" fill="var(--color-success)" radius={[3, 3, 0, 0]} />
          <Area dataKey="band" name="P10–P90" fill="var(--color-accent)" fillOpacity={0.18} stroke="none" />
          <Line dataKey="p50" name="P50" stroke="var(--color-accent)" strokeWidth={2} dot={{ r: 3 }} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
