import { queryOptions } from "@tanstack/react-query";
import type { components } from "@/client/schema";
import { isApiError } from "@/lib/api/ApiError";
import { api, unwrap } from "@/lib/api/client";

export type Forecast = components["schemas"]["ForecastOut"];
export type PeriodKind = Forecast["period_kind"];

export const forecastQueryOptions = (period: PeriodKind) =>
  queryOptions({
    queryKey: ["forecast", period],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/forecast", { signal, params: { query: { period, periods: period === "month" ? 6 : 4 } } })),
    staleTime: 60_000,
    // 503 means the AI service is down: say so now rather than after the default retries.
    retry: (failures, error) => !(isApiError(error) && error.status === 503) && failures < 2,
  });

/** The chart's rows: closed-won history, then each forecast period's P10-P90 band and P50. */
export function chartRows(forecast: Forecast) {
  const history = forecast.history.map((h) => ({ period: h.period, won: h.won_amount, band: null as [number, number] | null, p50: null as number | null }));
  const ahead = forecast.periods.map((p) => ({ period: p.period, won: null as number | null, band: [p.p10, p.p90] as [number, number], p50: p.p50 }));
  return [...history.slice(-12), ...ahead];
}
