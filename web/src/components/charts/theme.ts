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

/** Axis labels are measured at this size to decide how much of each fits (see labels.ts). */
export const TICK_FONT_PX = 12;

export const axisProps = { stroke: COLORS.muted, tick: { fill: COLORS.text, fontSize: TICK_FONT_PX }, tickLine: false } as const;

/**
 * Time axes (months, weeks, quarters) keep their labels whole and drop some instead: Recharts
 * measures each label and skips the ones that would come closer than `minTickGap`, keeping the
 * first and last so the range reads at a glance.
 */
export const timeAxisProps = { interval: "preserveStartEnd", minTickGap: 12 } as const;

/**
 * Charts grow in on load, except for people who asked their system for less motion. Every browser
 * has matchMedia; jsdom (unit tests) has not, and there charts are drawn at once.
 */
export const ANIMATE = typeof window !== "undefined" && typeof window.matchMedia === "function" && !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
