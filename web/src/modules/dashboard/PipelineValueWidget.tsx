import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { defaultPipeline, pipelinesQueryOptions } from "@/modules/pipeline/queries";
import { ANIMATE, axisProps, COLORS, money, SERIES } from "./chartTheme";
import { pipelineSummaryOptions } from "./queries";
import { toNumber } from "./types";
import { WidgetCard } from "./WidgetCard";

/** Open pipeline value by stage (deal counts for roles that may not see amounts). */
export function PipelineValueWidget() {
  const pipelines = useQuery(pipelinesQueryOptions());
  const pipeline = defaultPipeline(pipelines.data?.items ?? []);
  const summary = useQuery({ ...pipelineSummaryOptions(pipeline?.id ?? ""), enabled: pipeline !== undefined });
  const closed = new Set(pipeline?.stages.filter((s) => s.is_won || s.is_lost).map((s) => s.id));
  const rows = (summary.data?.stages ?? [])
    .filter((stage) => !closed.has(stage.stage_id))
    .map((stage, index) => ({ name: stage.name, count: stage.count, amount: toNumber(stage.amount), fill: SERIES[index % SERIES.length] }));
  const showAmounts = rows.some((row) => row.amount !== null);
  const totalCount = rows.reduce((n, row) => n + row.count, 0);
  const totalAmount = rows.reduce((n, row) => n + (row.amount ?? 0), 0);
  const state = pipeline ? summary : pipelines;

  return (
    <WidgetCard
      testId="widget-pipeline"
      title={`Open pipeline${pipeline ? ` · ${pipeline.name}` : ""}`}
      summary={
        <>
          {showAmounts ? money(totalAmount, false) : totalCount}
          <span className="ml-2 text-sm font-normal text-fg-muted">{showAmounts ? `${totalCount} open deals` : "open deals"}</span>
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
      <div className="h-60" role="img" aria-label={rows.map((r) => `${r.name}: ${showAmounts ? money(r.amount) : r.count}`).join(", ")}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid vertical={false} stroke={COLORS.grid} />
            <XAxis dataKey="name" {...axisProps} interval={0} tickFormatter={(name: string) => (name.length > 12 ? `${name.slice(0, 11)}…` : name)} />
            <YAxis {...axisProps} width={56} tickFormatter={(v: number) => (showAmounts ? money(v) : String(v))} />
            <Tooltip
              cursor={{ fill: COLORS.grid, opacity: 0.4 }}
              formatter={(value, _name, item) => {
                const row = item.payload as (typeof rows)[number];
                return showAmounts ? [`${money(Number(value), false)} · ${row.count} deals`, "Value"] : [String(value), "Deals"];
              }}
            />
            {/* Each bar takes its colour from its row's `fill`. */}
            <Bar isAnimationActive={ANIMATE} dataKey={showAmounts ? "amount" : "count"} radius={[4, 4, 0, 0]} maxBarSize={56} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </WidgetCard>
  );
}
