import type { components } from "@/client/schema";
import { formatAmount } from "@/modules/pipeline/format";

type Schemas = components["schemas"];

/** The combined answer of GET /api/v1/dashboards/summary (types generated from the backend). */
export type DashboardSummary = Schemas["DashboardSummary"];
export type CurrencyAmount = Schemas["CurrencyAmount"];
export type ServerWidget = Schemas["SkippedWidget"]["widget"];

export function toNumber(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined || value === "") return null;
  const number = Number(value);
  return Number.isFinite(number) ? number : null;
}

/**
 * Totals per currency as one line ("€12.5K + $3K"): null when amounts are hidden, an empty string
 * when there are none. Currencies are never added together.
 */
export function formatAmounts(amounts: readonly CurrencyAmount[] | null | undefined, compact = true): string | null {
  if (amounts === null || amounts === undefined) return null;
  return amounts
    .map((a) => formatAmount(a.amount, a.currency, compact))
    .filter((part): part is string => part !== null)
    .join(" + ");
}

/** Adds lists of per-currency totals, currency by currency (largest first). */
export function sumAmounts(lists: readonly (readonly CurrencyAmount[] | null | undefined)[]): CurrencyAmount[] {
  const sums = new Map<string, number>();
  for (const list of lists) for (const a of list ?? []) sums.set(a.currency, (sums.get(a.currency) ?? 0) + Number(a.amount));
  return [...sums.entries()].sort((x, y) => y[1] - x[1]).map(([currency, amount]) => ({ currency, amount: amount.toFixed(2) }));
}

/** The currency a chart plots: the one with the largest total (the others are named in its headline). */
export function mainCurrency(amounts: readonly CurrencyAmount[]): string | null {
  return sumAmounts([amounts])[0]?.currency ?? null;
}

/** The amount in one currency out of a per-currency list (0 when that currency has none). */
export function amountIn(amounts: readonly CurrencyAmount[] | null | undefined, currency: string | null): number | null {
  if (amounts === null || amounts === undefined || currency === null) return null;
  return toNumber(amounts.find((a) => a.currency === currency)?.amount) ?? 0;
}
