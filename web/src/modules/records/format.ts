/**
 * Field formatting shared by the record lists (modules/records, owned by web-lists) and the record
 * pages (modules/record, web-records). Created by web-records because the record pages needed it
 * first; web-lists owns this file from here on — add to it, keep the signatures.
 *
 * Every formatter takes what the API sends (amounts as decimal strings, dates as ISO strings, nulls)
 * and returns display text; "—" stands for "no value" so empty cells look alike everywhere.
 */
import type { components } from "@/client/schema";

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

// --- added by web-lists (lists, filters, custom fields) ---------------------------------------


export type CustomFieldDefinition = components["schemas"]["CustomFieldOut"];

const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const dateOnly = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
const dateTime = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
// Created once: building an Intl formatter costs far more than formatting, and cells format on every scroll frame.
const timestampDate = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** Every lead status, "converted" included (LEAD_STATUSES are the ones a person may set). */
export const ALL_LEAD_STATUSES = ["new", "contacted", "qualified", "converted", "lost"] as const;

/** A number as the API sends it (number or decimal string), up to two decimals. */
export function formatNumber(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === "") return EMPTY;
  const number = typeof value === "number" ? value : Number(value);
  return Number.isFinite(number) ? decimal.format(number) : String(value);
}

/** A calendar date ("2026-03-01") or the date of a timestamp, as "1 Mar 2026". Bare dates read as UTC. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return EMPTY;
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) return value;
  return value.length === 10 ? dateOnly.format(date) : timestampDate.format(date);
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return EMPTY;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : dateTime.format(date);
}

/** A lead score (a probability, 0..1) as a whole percentage, "—" when not scored yet. */
export function formatScore(score: number | null | undefined): string {
  if (score === null || score === undefined) return EMPTY;
  return `${Math.round(score * 100)}`;
}

/** "1,234 contacts", or "about 120,000 contacts" when the API only estimated the total. */
export function formatTotal(total: { value: number; exact: boolean } | null | undefined, singular: string, plural: string): string {
  if (!total) return "";
  const noun = total.value === 1 ? singular : plural;
  const count = integer.format(total.value);
  return total.exact ? `${count} ${noun}` : `about ${count} ${noun}`;
}

/** Any JSON value as text (objects as JSON, never "[object Object]"). */
function scalar(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** A custom field's value as text, by the field's type. */
export function formatCustomValue(definition: Pick<CustomFieldDefinition, "field_type" | "currency">, value: unknown): string {
  if (value === null || value === undefined || value === "") return EMPTY;
  switch (definition.field_type) {
    case "number":
      return formatNumber(scalar(value));
    case "currency":
      return definition.currency ? formatMoney(scalar(value), definition.currency) : formatNumber(scalar(value));
    case "date":
      return formatDate(scalar(value));
    case "boolean":
      return value === true ? "Yes" : value === false ? "No" : scalar(value);
    case "multiselect":
      return Array.isArray(value) ? formatList(value.map(scalar)) : scalar(value);
    default:
      return scalar(value);
  }
}
