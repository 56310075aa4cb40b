/**
 * Field formatting shared by the record lists (modules/records, owned by web-lists) and the record
 * pages (modules/record, web-records). Created by web-records because the record pages needed it
 * first; web-lists owns this file from here on — add to it, keep the signatures.
 *
 * Every formatter takes what the API sends (amounts as decimal strings, dates as ISO strings, nulls)
 * and returns display text; "—" stands for "no value" so empty cells look alike everywhere.
 */

export const EMPTY = "—";

/** "Ada Lovelace"; falls back to "(no name)" when both parts are empty. */
export function personName(first: string | null | undefined, last: string | null | undefined): string {
  const name = [first, last]
    .map((part) => part?.trim())
    .filter(Boolean)
    .join(" ");
  return name || "(no name)";
}

/** Initials for an avatar: "AL" for Ada Lovelace, "A" for a one-word name. */
export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return parts
    .slice(0, 2)
    .map((part) => part.charAt(0).toUpperCase())
    .join("");
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/**
 * "€12,500" for ("12500.00", "EUR"). Amounts arrive as decimal strings so they are never rounded
 * on the way; they are only turned into numbers here, for display.
 */
export function formatMoney(amount: string | number | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined || amount === "") return EMPTY;
  const value = typeof amount === "number" ? amount : Number(amount);
  if (Number.isNaN(value)) return String(amount);
  const code = currency && /^[A-Z]{3}$/.test(currency) ? currency : "EUR";
  let format = moneyFormats.get(code);
  if (!format) {
    format = new Intl.NumberFormat(undefined, { style: "currency", currency: code, maximumFractionDigits: 0 });
    moneyFormats.set(code, format);
  }
  return format.format(value);
}

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

export function formatInteger(value: number | null | undefined): string {
  return value === null || value === undefined ? EMPTY : integer.format(value);
}

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? EMPTY : `${integer.format(value)}%`;
}

/** A machine value ("closed_won", "opportunity") as words: "Closed won", "Opportunity". */
export function humanize(value: string | null | undefined): string {
  if (!value) return EMPTY;
  const words = value.replace(/[_.-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const LIFECYCLE_STAGES = ["subscriber", "lead", "qualified", "opportunity", "patient", "customer", "referrer", "other"] as const;
export const LEAD_STATUSES = ["new", "contacted", "qualified", "lost"] as const;
export const DEAL_STATUSES = ["open", "won", "lost"] as const;

/** Badge tone for a lead status or deal status, so lists and record pages colour them alike. */
export function statusTone(status: string): "success" | "warning" | "danger" | "neutral" | "accent" {
  switch (status) {
    case "won":
    case "converted":
    case "customer":
      return "success";
    case "lost":
      return "danger";
    case "qualified":
    case "opportunity":
      return "accent";
    case "contacted":
      return "warning";
    default:
      return "neutral";
  }
}

/** "a, b, c" or "—". */
export function formatList(values: readonly string[] | null | undefined): string {
  return values && values.length > 0 ? values.join(", ") : EMPTY;
}
