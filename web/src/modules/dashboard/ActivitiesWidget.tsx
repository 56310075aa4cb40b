import { Pie, PieChart, ResponsiveContainer, Tooltip } from "recharts";
import { ANIMATE, COLORS } from "@/components/charts/theme";
import { cn } from "@/lib/cn";
import type { DashboardSummary } from "./types";
import { WidgetCard, type WidgetState } from "./WidgetCard";

const BUCKETS = [
  { key: "overdue", label: "Overdue", color: COLORS.danger, tone: "text-danger" },
  { key: "today", label: "Due today", color: COLORS.warning, tone: "text-warning" },
  { key: "next_7_days", label: "Next 7 days", color: COLORS.info, tone: "text-fg" },
  { key: "later", label: "Later", color: COLORS.muted, tone: "text-fg-muted" },
] as const;

/** Open tasks by due date; yours or everyone's you may see. */
export function ActivitiesWidget({
  data,
  state,
  mine,
  onMineChange,
}: {
  data: DashboardSummary["activities"] | undefined;
  state: WidgetState;
  mine: boolean;
  onMineChange: (mine: boolean) => void;
}) {
  const rows = BUCKETS.map((bucket) => ({ ...bucket, fill: bucket.color, value: data?.[bucket.key] ?? 0 }));
  const total = rows.reduce((n, r) => n + r.value, 0);
  const overdue = data?.overdue ?? 0;
  return (
    <WidgetCard
      testId="widget-activities"
      title="Open tasks"
      summary={
        <>
          <span className={cn(overdue > 0 && "text-danger")}>{overdue}</span>
          <span className="ml-2 text-sm font-normal text-fg-muted">overdue · {total} open</span>
        </>
      }
      state={state}
      empty={total === 0}
      emptyText={mine ? "You have no open tasks with a due date." : "No open tasks with a due date."}
      action={
        <div role="group" aria-label="Whose tasks" className="flex shrink-0 rounded-md border border-border p-0.5 text-xs">
          {[
            { value: true, label: "Mine" },
            { value: false, label: "Everyone" },
          ].map((option) => (
            <button
              key={option.label}
              type="button"
              aria-pressed={mine === option.value}
              onClick={() => onMineChange(option.value)}
              className={cn("cursor-pointer rounded px-2 py-1 font-medium", mine === option.value ? "bg-accent-subtle text-accent-fg" : "text-fg-muted hover:text-fg")}
            >
              {option.label}
            </button>
          ))}
        </div>
      }
    >
      <div className="grid grid-cols-[minmax(0,1fr)_minmax(0,1fr)] items-center gap-4">
        <div className="h-40" role="img" aria-label={rows.map((r) => `${r.label}: ${r.value}`).join(", ")}>
          <ResponsiveContainer width="100%" height="100%">
            <PieChart>
              <Pie isAnimationActive={ANIMATE} data={rows.filter((r) => r.value > 0)} dataKey="value" nameKey="label" innerRadius="60%" outerRadius="95%" paddingAngle={2} stroke="none" />
              <Tooltip />
            </PieChart>
          </ResponsiveContainer>
        </div>
        <dl className="grid grid-cols-1 gap-2 text-sm">
          {rows.map((row) => (
            <div key={row.key} className="flex items-center justify-between gap-2">
              <dt className="flex items-center gap-2 text-fg-muted">
                <span aria-hidden="true" className="size-2.5 rounded-full" style={{ background: row.color }} />
                {row.label}
              </dt>
              <dd className={cn("font-semibold tabular-nums", row.tone)}>{row.value}</dd>
            </div>
          ))}
        </dl>
      </div>
    </WidgetCard>
  );
}
