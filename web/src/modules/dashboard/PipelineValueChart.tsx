import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import { ChartBox } from "@/components/charts/ChartBox";
import { categoryAxisWidth, categoryLayout, fitLabel, LABEL_GAP_PX, rowsHeight } from "@/components/charts/labels";
import { ANIMATE, axisProps, categoryTick, COLORS } from "@/components/charts/theme";
import { useChartWidth } from "@/components/charts/useChartWidth";
import { money } from "./chartTheme";

/** One stage's bar; `fill` colours it (Recharts reads it from the row). */
export type StageBar = { name: string; count: number; amount: number | null; fill?: string };

const COLUMNS_HEIGHT = 240;
const VALUE_AXIS_PX = 56;
const MARGIN = { top: 8, right: 8, bottom: 0, left: 0 };

/**
 * Open pipeline by stage, in funnel order. Columns (stage names under the bars) while every stage
 * has room for its name; rows (names beside horizontal bars) on a phone or for a long pipeline, so
 * names never overlap. A name cut to fit ends in "…"; the tooltip and the accessible label say it
 * whole. A null `currency` plots deal counts (for roles that may not see amounts).
 */
export function PipelineValueChart({ rows, currency }: { rows: StageBar[]; currency: string | null }) {
  const [ref, width] = useChartWidth<HTMLDivElement>();
  const plot = width - VALUE_AXIS_PX - MARGIN.left - MARGIN.right;
  const column = plot / Math.max(rows.length, 1);
  const layout = categoryLayout(plot, rows.length);
  const height = layout === "columns" ? COLUMNS_HEIGHT : rowsHeight(rows.length);
  const names = categoryAxisWidth(
    rows.map((r) => r.name),
    width,
  );
  const key = currency !== null ? "amount" : "count";
  const valueTick = (v: number) => (currency !== null ? money(v, currency) : String(v));
  const label = rows.map((r) => `${r.name}: ${currency !== null ? money(r.amount, currency) : r.count}`).join(", ");
  const tooltip = (
    <Tooltip
      cursor={{ fill: COLORS.grid, opacity: 0.4 }}
      formatter={(value, _name, item) => {
        const row = item.payload as StageBar;
        return currency !== null ? [`${money(Number(value), currency, false)} · ${row.count} deals`, "Value"] : [String(value), "Deals"];
      }}
    />
  );
  return (
    <ChartBox ref={ref} label={label} height={height} layout={layout}>
      {width > 0 &&
        (layout === "columns" ? (
          <BarChart width={width} height={height} data={rows} margin={MARGIN}>
            <CartesianGrid vertical={false} stroke={COLORS.grid} />
            <XAxis dataKey="name" {...axisProps} tick={categoryTick} interval={0} tickFormatter={(name: string) => fitLabel(name, column - LABEL_GAP_PX)} />
            <YAxis {...axisProps} width={VALUE_AXIS_PX} tickFormatter={valueTick} />
            {tooltip}
            {/* Each bar takes its colour from its row's `fill`. */}
            <Bar isAnimationActive={ANIMATE} dataKey={key} radius={[4, 4, 0, 0]} maxBarSize={56} />
          </BarChart>
        ) : (
          <BarChart width={width} height={height} data={rows} layout="vertical" margin={{ ...MARGIN, right: 16 }}>
            <CartesianGrid horizontal={false} stroke={COLORS.grid} />
            <XAxis type="number" {...axisProps} tickFormatter={valueTick} />
            <YAxis type="category" dataKey="name" {...axisProps} tick={categoryTick} width={names} interval={0} tickFormatter={(name: string) => fitLabel(name, names - LABEL_GAP_PX)} />
            {tooltip}
            <Bar isAnimationActive={ANIMATE} dataKey={key} radius={[0, 4, 4, 0]} maxBarSize={24} />
          </BarChart>
        ))}
    </ChartBox>
  );
}
