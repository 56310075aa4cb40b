import { keepPreviousData, queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api/client";
import type { DateRange } from "./dateRange";
import { intervalFor } from "./dateRange";
import type { ServerWidget } from "./types";
import type { WidgetKey } from "./widgets";

// The server caches these for seconds; a minute here avoids refetching on every visit home.
const STALE_MS = 60_000;
// Rows in "closing this month" and "top accounts".
export const LIST_LIMIT = 8;

export const SERVER_NAME: Record<WidgetKey, ServerWidget> = {
  pipeline: "pipeline",
  winRate: "win_rate",
  closing: "closing",
  topAccounts: "top_accounts",
  leadSources: "lead_sources",
  activities: "activities",
};

export type SummaryRequest = { widgets: WidgetKey[]; range: DateRange; mine: boolean; pipelineId?: string };

/** Every widget of the dashboard in one call: GET /api/v1/dashboards/summary. */
export const dashboardSummaryOptions = ({ widgets, range, mine, pipelineId }: SummaryRequest) =>
  queryOptions({
    queryKey: ["dashboards", "summary", { widgets, range, mine, pipelineId }],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/dashboards/summary", {
          signal,
          params: {
            query: {
              widgets: widgets.map((key) => SERVER_NAME[key]).join(","),
              from: range.start,
              to: range.end,
              interval: intervalFor(range),
              mine,
              limit: LIST_LIMIT,
              ...(pipelineId ? { pipeline_id: pipelineId } : {}),
            },
          },
        }),
      ),
    staleTime: STALE_MS,
    // A new range keeps the old charts on screen until the new numbers arrive.
    placeholderData: keepPreviousData,
  });
