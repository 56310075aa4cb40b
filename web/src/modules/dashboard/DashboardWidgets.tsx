import { ActivitiesWidget } from "./ActivitiesWidget";
import { ClosingWidget } from "./ClosingWidget";
import type { DateRange } from "./dateRange";
import { LeadSourcesWidget } from "./LeadSourcesWidget";
import { PipelineValueWidget } from "./PipelineValueWidget";
import { TopAccountsWidget } from "./TopAccountsWidget";
import type { WidgetKey } from "./widgets";
import { WinRateWidget } from "./WinRateWidget";

/**
 * The widgets, in one module the home page loads lazily: the chart library stays out of the
 * first route's JavaScript.
 */
export function DashboardWidgets({ widgets, range, role }: { widgets: WidgetKey[]; range: DateRange; role: string }) {
  return (
    // A role with one widget gets it full width rather than a lonely third of the row.
    <div className={widgets.length === 1 ? "grid grid-cols-1 gap-4 lg:[&>*]:col-span-1" : "grid grid-cols-1 gap-4 lg:grid-cols-3"}>
      {widgets.map((key) => {
        switch (key) {
          case "pipeline":
            return <PipelineValueWidget key={key} />;
          case "winRate":
            return <WinRateWidget key={key} range={range} />;
          case "closing":
            return <ClosingWidget key={key} />;
          case "topAccounts":
            return <TopAccountsWidget key={key} range={range} />;
          case "leadSources":
            return <LeadSourcesWidget key={key} range={range} />;
          case "activities":
            // Sales starts from their own tasks; admins and support from the team's.
            return <ActivitiesWidget key={key} defaultMine={role === "sales"} />;
        }
      })}
    </div>
  );
}
