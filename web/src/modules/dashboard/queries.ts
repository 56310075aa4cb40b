import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api/client";
import type { DateRange } from "./dateRange";
import { intervalFor } from "./dateRange";
import type { ActivitiesSummary, ClosingSummary, LeadSourcesSummary, PipelineSummary, TopAccountsSummary, WinRateSummary } from "./types";

// The server caches these for seconds; a minute here avoids refetching on every visit home.
const STALE_MS = 60_000;

export const pipelineSummaryOptions = (pipelineId: string) =>
  queryOptions({
    queryKey: ["dashboards", "pipeline", pipelineId],
    queryFn: async ({ signal }) =>
      (await unwrap(api.GET("/api/v1/dashboards/pipeline", { signal, params: { query: { pipeline_id: pipelineId } } }))) as PipelineSummary,
    staleTime: STALE_MS,
  });

export const winRateOptions = (range: DateRange) =>
  queryOptions({
    queryKey: ["dashboards", "win-rate", range],
    queryFn: async ({ signal }) =>
      (await unwrap(
        api.GET("/api/v1/dashboards/win-rate", { signal, params: { query: { ...range, interval: intervalFor(range) } } }),
      )) as WinRateSummary,
    staleTime: STALE_MS,
  });

/** Deals expected to close this month (the server's default period). */
export const closingOptions = () =>
  queryOptions({
    queryKey: ["dashboards", "closing"],
    queryFn: async ({ signal }) =>
      (await unwrap(api.GET("/api/v1/dashboards/closing", { signal, params: { query: { limit: 5 } } }))) as ClosingSummary,
    staleTime: STALE_MS,
  });

export const leadSourcesOptions = (range: DateRange) =>
  queryOptions({
    queryKey: ["dashboards", "lead-sources", range],
    queryFn: async ({ signal }) =>
      (await unwrap(api.GET("/api/v1/dashboards/lead-sources", { signal, params: { query: range } }))) as LeadSourcesSummary,
    staleTime: STALE_MS,
  });

export const activitiesOptions = (mine: boolean) =>
  queryOptions({
    queryKey: ["dashboards", "activities", { mine }],
    queryFn: async ({ signal }) =>
      (await unwrap(api.GET("/api/v1/dashboards/activities", { signal, params: { query: { mine } } }))) as ActivitiesSummary,
    staleTime: STALE_MS,
  });

export const topAccountsOptions = (range: DateRange) =>
  queryOptions({
    queryKey: ["dashboards", "top-accounts", range],
    queryFn: async ({ signal }) =>
      (await unwrap(api.GET("/api/v1/dashboards/top-accounts", { signal, params: { query: { ...range, limit: 8 } } }))) as TopAccountsSummary,
    staleTime: STALE_MS,
  });
