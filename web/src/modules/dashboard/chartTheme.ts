import { formatAmount } from "@/modules/pipeline/format";

/** One amount in its currency ("€12.5K"); "—" when hidden or when there is no currency to name. */
export function money(value: number | null | undefined, currency: string | null, compact = true): string {
  return value === null || value === undefined || currency === null ? "—" : (formatAmount(value, currency, compact) ?? "—");
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${Math.round(value * 100)}%`;
}
