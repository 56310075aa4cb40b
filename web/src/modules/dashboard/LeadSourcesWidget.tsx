import { Bar, BarChart, CartesianGrid, Legend, Pie, PieChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ChartBox } from "@/components/charts/ChartBox";
import { categoryAxisWidth, fitLabel, LABEL_GAP_PX } from "@/components/charts/labels";
import { ANIMATE, axisProps, categoryTick, COLORS, SERIES } from "@/components/charts/theme";
import { useChartWidth } from "@/components/charts/useChartWidth";
import { humanize } from "@/modules/records/format";
import { percent } from "./chartTheme";
import type { DashboardSummary } from "./types";
import { WidgetCard, type WidgetState } from "./WidgetCard";

/** New leads by source in the range: the share of each source, and how many of each converted. */
export function LeadSourcesWidget({ data, state }: { data: DashboardSummary["lead_sources"] | undefined; state: WidgetState }) {
  const rows = (data?.sources ?? []).map((s) => ({ name: humanize(s.source), count: s.count, converted: s.converted }));
  // Slices take their colour from `fill`; the bars keep their series colours, so only the pie gets it.
  const slices = rows.map((row, index) => ({ ...row, fill: SERIES[index % SERIES.length] }));
  const total = rows.reduce((n, r) => n + r.count, 0);
  const converted = rows.reduce((n, r) => n + r.converted, 0);
  const [ref, width] = useChartWidth<HTMLDivElement>();
  // Source names beside the bars, on one line each: cut to fit with "…" rather than wrapped.
  const names = categoryAxisWidth(
    rows.map((r) => r.name),
    width,
  );
  return (
    <WidgetCard
      testId="widget-lead-sources"
      title="New leads by source"
      summary={
        <>
          {total}
          <span className="ml-2 text-sm font-normal text-fg-muted">
            new leads · {percent(total ? converted / total : null)} converted
          </span>
        </>
      }
      state={state}
      empty={rows.length === 0}
      emptyText="No new leads in this period."
      className="lg:col-span-2"
    >
      <div className="grid gap-4 md:grid-cols-2">
        <div className="h-64 min-w-0" role="img" aria-label={rows.map((r) => `${r.name}: ${r.count}`).join(", ")}>
          <ResponsiveContainer width="100%" height="100%">
            <PieChart>
              <Pie isAnimationActive={ANIMATE} data={slices} dataKey="count" nameKey="name" innerRadius="55%" outerRadius="85%" paddingAngle={2} stroke="none" />
              <Tooltip formatter={(value, name) => [`${String(value)} leads`, name]} />
              <Legend iconType="circle" iconSize={8} wrapperStyle={{ fontSize: 12 }} />
            </PieChart>
          </ResponsiveContainer>
        </div>
        <ChartBox ref={ref} label={rows.map((r) => `${r.name}: ${r.converted} of ${r.count} converted`).join(", ")} height={256} layout="rows">
          {width > 0 && (
            <BarChart width={width} height={256} data={rows} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 0 }}>
              <CartesianGrid horizontal={false} stroke={COLORS.grid} />
              <XAxis type="number" {...axisProps} allowDecimals={false} />
              <YAxis type="category" dataKey="name" {...axisProps} tick={categoryTick} width={names} interval={0} tickFormatter={(name: string) => fitLabel(name, names - LABEL_GAP_PX)} />
              <Tooltip cursor={{ fill: COLORS.grid, opacity: 0.4 }} />
              <Legend iconType="circle" iconSize={8} wrapperStyle={{ fontSize: 12 }} />
              <Bar isAnimationActive={ANIMATE} dataKey="count" name="New" fill={COLORS.accentSoft} radius={[0, 4, 4, 0]} maxBarSize={16} />
              <Bar isAnimationActive={ANIMATE} dataKey="converted" name="Converted" fill={COLORS.success} radius={[0, 4, 4, 0]} maxBarSize={16} />
            </BarChart>
          )}
        </ChartBox>
      </div>
    </WidgetCard>
  );
}
