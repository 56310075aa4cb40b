import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ActivitiesWidget } from "./ActivitiesWidget";
import { ClosingWidget } from "./ClosingWidget";
import type { DateRange } from "./dateRange";
import { LeadSourcesWidget } from "./LeadSourcesWidget";
import { PipelineValueWidget } from "./PipelineValueWidget";
import { dashboardSummaryOptions, SERVER_NAME } from "./queries";
import { TopAccountsWidget } from "./TopAccountsWidget";
import type { WidgetKey } from "./widgets";
import { WinRateWidget } from "./WinRateWidget";

/**
 * The widgets, in one module the home page loads lazily: the chart library stays out of the
 * first route's JavaScript. All of them come from ONE summary call per range (and "mine" toggle);
 * each tile shows that call's loading and error state.
 */
export function DashboardWidgets({ widgets, range, role }: { widgets: WidgetKey[]; range: DateRange; role: string }) {
  // Sales starts from their own tasks; admins and support from the team's.
  const [mine, setMine] = useState(role === "sales");
  const query = useQuery(dashboardSummaryOptions({ widgets, range, mine }));
  const data = query.data;
  // A widget the server skipped (a permission the role lost since the page loaded) is not drawn.
  const skipped = new Set(data?.skipped.map((s) => s.widget));
  const shown = widgets.filter((key) => !skipped.has(SERVER_NAME[key]));
  return (
    // A role with one widget gets it full width rather than a lonely third of the row.
    <div className={shown.length === 1 ? "grid grid-cols-1 gap-4 lg:[&>*]:col-span-1" : "grid grid-cols-1 gap-4 lg:grid-cols-3"}>
      {shown.map((key) => {
        switch (key) {
          case "pipeline":
            return <PipelineValueWidget key={key} data={data?.pipeline} state={query} />;
          case "winRate":
            return <WinRateWidget key={key} data={data?.win_rate} state={query} range={range} />;
          case "closing":
            return <ClosingWidget key={key} data={data?.closing} state={query} />;
          case "topAccounts":
            return <TopAccountsWidget key={key} data={data?.top_accounts} state={query} />;
          case "leadSources":
            return <LeadSourcesWidget key={key} data={data?.lead_sources} state={query} />;
          case "activities":
            return <ActivitiesWidget key={key} data={data?.activities} state={query} mine={mine} onMineChange={setMine} />;
        }
      })}
    </div>
  );
}
