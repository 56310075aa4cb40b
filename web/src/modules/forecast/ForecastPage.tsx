import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense, useState } from "react";
import { PageHeader } from "@/components/layout/PageHeader";
import { Alert } from "@/components/ui/Alert";
import { Card } from "@/components/ui/Card";
import { Select } from "@/components/ui/Select";
import { Spinner } from "@/components/ui/Spinner";
import { ErrorState, LoadingState } from "@/components/ui/States";
import { isApiError } from "@/lib/api/ApiError";
import { chartRows, forecastQueryOptions, type PeriodKind } from "./queries";

const ForecastChart = lazy(() => import("./ForecastChart").then((m) => ({ default: m.ForecastChart })));

// The AI service names its backtest methods by their short ids; people read the names.
const METHOD_LABELS: Record<string, string> = { naive: "Naive (last period repeated)", ses: "Simple exponential smoothing", holt: "Holt's linear trend" };

/** The AI service's explanations as sentences: a method id at the start named, capitalised, full stop. */
function sentence(text: string | null | undefined): string {
  const trimmed = (text ?? "").trim();
  if (!trimmed) return "";
  const [first = ""] = trimmed.split(" ", 1);
  const named = METHOD_LABELS[first] ? METHOD_LABELS[first] + trimmed.slice(first.length) : trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(named) ? named : `${named}.`;
}

/** Revenue forecast of the user's visible deals: P10/P50/P90 per period, what moves it, and how well it backtests. */
export function ForecastPage() {
  const [period, setPeriod] = useState<PeriodKind>("month");
  const forecast = useQuery(forecastQueryOptions(period));
  const data = forecast.data;
  const money = new Intl.NumberFormat(undefined, { style: "currency", currency: data?.currency ?? "EUR", maximumFractionDigits: 0 });
  const movers = data ? [...data.deals].sort((a, b) => b.expected_revenue - a.expected_revenue).slice(0, 8) : [];

  return (
    <div className="mx-auto flex max-w-6xl flex-col gap-6">
      <title>Forecast · CliniGlobal CRM</title>
      <PageHeader
        title="Forecast"
        description={data ? `${data.pipeline_name} · ${data.scope === "all" ? "all deals" : data.scope === "team" ? "your team's deals" : "your deals"}` : "Revenue ranges from the open deals' win chances."}
        actions={
          <label className="flex items-center gap-2 text-sm text-fg-muted">
            Periods
            <Select size="sm" value={period} onChange={(e) => setPeriod(e.target.value as PeriodKind)} className="w-32">
              <option value="month">Months</option>
              <option value="quarter">Quarters</option>
            </Select>
          </label>
        }
      />
      {forecast.isPending && <LoadingState label="Computing the forecast…" />}
      {forecast.isError &&
        (isApiError(forecast.error) && forecast.error.status === 503 ? (
          <Alert tone="warning" title="The forecast is unavailable right now">The AI service is not answering. The rest of the CRM works; try again in a minute.</Alert>
        ) : isApiError(forecast.error) && forecast.error.status === 403 ? (
          <Alert tone="info" title="Forecasting is switched off">An admin can turn on the “ai.forecasting” feature flag.</Alert>
        ) : (
          <ErrorState error={forecast.error} onRetry={() => void forecast.refetch()} />
        ))}
      {data && (
        <>
          {data.currency === null ? (
            <Alert tone="info" title="No open deals to forecast">Deals with an amount and an expected close date appear here.</Alert>
          ) : (
            <>
              <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
                {data.periods.map((p) => (
                  <Card key={p.period} className="flex flex-col gap-1 p-4" data-forecast-period={p.period}>
                    <span className="text-xs text-fg-subtle">{p.period} · {p.deals} open deals</span>
                    <span className="text-xl font-semibold text-fg tabular-nums">{money.format(p.p50)}</span>
                    <span className="text-xs text-fg-muted tabular-nums">
                      P10 {money.format(p.p10)} · P90 {money.format(p.p90)}
                    </span>
                    <span className="text-xs text-fg-subtle tabular-nums">Won so far {money.format(p.closed_won_to_date)}</span>
                  </Card>
                ))}
              </div>
              <Card className="p-4">
                <Suspense fallback={<Spinner label="Loading the chart" />}>
                  <ForecastChart rows={chartRows(data)} currency={data.currency} />
                </Suspense>
              </Card>
            </>
          )}
          <div className="grid gap-6 lg:grid-cols-2">
            <Card className="overflow-hidden">
              <h2 className="border-b border-border px-4 py-3 text-base font-semibold text-fg">Deals that move it most</h2>
              {movers.length === 0 ? (
                <p className="px-4 py-6 text-sm text-fg-muted">No open deals in these periods.</p>
              ) : (
                <ul className="divide-y divide-border">
                  {movers.map((deal) => (
                    <li key={deal.deal_id} className="flex flex-col gap-0.5 px-4 py-2.5 text-sm">
                      <span className="flex justify-between gap-3">
                        <a href={`/deals/${deal.deal_id}`} className="min-w-0 truncate font-medium text-fg hover:underline">{deal.name}</a>
                        <span className="shrink-0 tabular-nums">{money.format(deal.amount)}</span>
                      </span>
                      <span className="text-xs text-fg-muted">
                        {deal.stage} · {deal.period} · {Math.round(deal.win_probability * 100)}% to win (stage says {Math.round(deal.stage_probability * 100)}%)
                        {deal.reasons.length > 0 && ` · ${deal.reasons.slice(0, 2).map((r) => r.description).join("; ")}`}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </Card>
            <Card className="overflow-hidden">
              <h2 className="border-b border-border px-4 py-3 text-base font-semibold text-fg">Closed-won trend and backtest</h2>
              {data.time_series.status === "not_enough_data" ? (
                <div className="px-4 py-4">
                  <Alert tone="info" title="Not enough history yet">
                    {sentence(data.time_series.detail)} It needs {data.time_series.min_periods} past periods; there are {data.time_series.periods}.
                  </Alert>
                </div>
              ) : (
                <div className="overflow-x-auto px-4 py-3">
                  <p className="mb-2 text-sm text-fg-muted">
                    {sentence(data.time_series.detail)}{" "}
                    {data.time_series.beats_naive === true ? "It beats the naive forecast." : data.time_series.beats_naive === false ? "It does not beat the naive forecast." : ""}
                  </p>
                  <table className="w-full text-sm">
                    <thead>
                      <tr className="text-left text-xs text-fg-subtle">
                        <th className="py-1 font-medium">Method</th>
                        <th className="py-1 text-right font-medium">MAE</th>
                        <th className="py-1 text-right font-medium">MAPE</th>
                        <th className="py-1 text-right font-medium">MASE</th>
                      </tr>
                    </thead>
                    <tbody>
                      {(data.time_series.backtest ?? []).map((row) => (
                        <tr key={row.method} className="border-t border-border">
                          <td className="py-1.5">{METHOD_LABELS[row.method] ?? row.method}</td>
                          <td className="py-1.5 text-right tabular-nums">{money.format(row.mae)}</td>
                          <td className="py-1.5 text-right tabular-nums">{row.mape === null ? "—" : `${(row.mape * 100).toFixed(0)}%`}</td>
                          <td className="py-1.5 text-right tabular-nums">{row.mase === null ? "—" : row.mase.toFixed(2)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              <p className="border-t border-border px-4 py-2 text-xs text-fg-subtle">{sentence(data.win_model.detail)}</p>
            </Card>
          </div>
        </>
      )}
    </div>
  );
}
