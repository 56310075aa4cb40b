import type { components } from "@/client/schema";

type CurrencyTotal = components["schemas"]["CurrencyTotal"];

const formatters = new Map<string, Intl.NumberFormat>();

function formatter(currency: string, compact: boolean): Intl.NumberFormat {
  const key = `${currency}:${compact}`;
  let format = formatters.get(key);
  if (!format) {
    try {
      // minimumFractionDigits 0 as well: a currency's own minimum (2 for EUR) clamped to the maximum
      // of 1 printed "€600.0" for a compact 600.
      format = new Intl.NumberFormat(undefined, {
        style: "currency",
        currency,
        minimumFractionDigits: 0,
        maximumFractionDigits: compact ? 1 : 0,
        ...(compact ? { notation: "compact" } : {}),
      });
    } catch {
      // An unknown ISO code must not break the board: show the number with the code.
      format = new Intl.NumberFormat(undefined, {
        minimumFractionDigits: 0,
        maximumFractionDigits: 0,
        ...(compact ? { notation: "compact" } : {}),
      });
    }
    formatters.set(key, format);
  }
  return format;
}

/** "€12,500" (or "€12.5K" compact); null when the amount is absent or hidden. */
export function formatAmount(amount: string | number | null | undefined, currency: string, compact = false): string | null {
  if (amount === null || amount === undefined || amount === "") return null;
  const value = Number(amount);
  if (!Number.isFinite(value)) return null;
  return formatter(currency, compact).format(value);
}

/** A column's value: one currency, or several joined ("€12K + $3K"). Null when amounts are hidden. */
export function formatTotals(totals: CurrencyTotal[], compact = true): string | null {
  const parts = totals.map((total) => formatAmount(total.amount, total.currency, compact)).filter((part): part is string => part !== null);
  return parts.length > 0 ? parts.join(" + ") : null;
}

/** True when an expected close date lies before today (local time). */
export function isOverdue(date: string | null, today = new Date()): boolean {
  if (!date) return false;
  const iso = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
  return date < iso;
}

/** Column totals added up per currency (the board header's "open value"). */
export function sumByCurrency(totals: CurrencyTotal[]): CurrencyTotal[] {
  const sums = new Map<string, CurrencyTotal>();
  for (const total of totals) {
    const seen = sums.get(total.currency);
    const amount =
      total.amount === null ? (seen?.amount ?? null) : (Number(seen?.amount ?? 0) + Number(total.amount)).toFixed(2);
    sums.set(total.currency, { currency: total.currency, count: (seen?.count ?? 0) + total.count, amount, weighted_amount: null });
  }
  return [...sums.values()];
}
