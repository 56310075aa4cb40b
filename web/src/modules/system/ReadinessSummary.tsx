import { Badge } from "@/components/ui/Badge";
import { cn } from "@/lib/cn";
import { isHealthy, type ReadinessReport } from "./readiness";

type SummaryState = "ready" | "warning" | "degraded";

const styles: Record<SummaryState, { box: string; title: string; tone: "success" | "warning" | "danger" }> = {
  ready: { box: "border-success-border bg-success-subtle", title: "text-success", tone: "success" },
  warning: { box: "border-warning-border bg-warning-subtle", title: "text-warning", tone: "warning" },
  degraded: { box: "border-danger-border bg-danger-subtle", title: "text-danger", tone: "danger" },
};

function describe(state: SummaryState, report: ReadinessReport): { title: string; detail?: string } {
  const unhealthy = report.checks.filter((check) => !isHealthy(check));
  const names = unhealthy.map((check) => check.name).join(", ");
  const count = `${unhealthy.length} of ${report.checks.length} checks`;
  if (state === "ready") return { title: "All systems operational" };
  if (state === "warning") return { title: "Operational, with warnings", detail: `${count} need attention: ${names}.` };
  return {
    title: "Degraded",
    detail: unhealthy.length > 0 ? `${count} failing: ${names}.` : "The backend reports it is not ready.",
  };
}

export function ReadinessSummary({ report, checkedAt }: { report: ReadinessReport; checkedAt: number }) {
  const allHealthy = report.checks.every(isHealthy);
  const state: SummaryState = !report.ready ? "degraded" : allHealthy ? "ready" : "warning";
  const { title, detail } = describe(state, report);
  const style = styles[state];
  const time = new Date(checkedAt);

  return (
    <div
      data-state={state}
      className={cn(
        "flex flex-col gap-2 border-b px-4 py-4 sm:flex-row sm:items-center sm:justify-between sm:px-5",
        style.box,
      )}
    >
      <div className="min-w-0">
        <p className={cn("text-base font-semibold", style.title)}>{title}</p>
        {detail && <p className="mt-0.5 text-sm text-fg-muted">{detail}</p>}
      </div>
      <div className="flex shrink-0 items-center gap-2 text-xs text-fg-muted">
        <Badge tone={style.tone}>{report.status}</Badge>
        <span>
          Checked <time dateTime={time.toISOString()}>{time.toLocaleTimeString()}</time>
        </span>
      </div>
    </div>
  );
}
