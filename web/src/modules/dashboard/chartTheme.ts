import { formatAmount } from "@/modules/pipeline/format";

/** Chart colours (the design tokens' values: SVG attributes cannot read Tailwind classes). */
export const COLORS = {
  accent: "#4f46e5",
  accentSoft: "#a5b4fc",
  success: "#16a34a",
  danger: "#dc2626",
  warning: "#d97706",
  info: "#0284c7",
  muted: "#9ca3af",
  grid: "#e5e7eb",
  text: "#4b5563",
};

export const SERIES = ["#4f46e5", "#0891b2", "#16a34a", "#d97706", "#db2777", "#7c3aed", "#0d9488", "#64748b"];

/** One amount in its currency ("€12.5K"); "—" when hidden or when there is no currency to name. */
export function money(value: number | null | undefined, currency: string | null, compact = true): string {
  return value === null || value === undefined || currency === null ? "—" : (formatAmount(value, currency, compact) ?? "—");
}

export const axisProps = { stroke: COLORS.muted, tick: { fill: COLORS.text, fontSize: 12 }, tickLine: false } as const;

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${Math.round(value * 100)}%`;
}

/** Charts grow in on load, except for people who asked their system for less motion. */
export const ANIMATE = typeof window === "undefined" || !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
