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

/**
 * Tick labels at TICK_FONT_PX. The size goes in `style` too, as a CSS length: Recharts measures
 * labels (to drop crowded ones) in a span styled with `style` only, else at the page's size.
 */
export const axisProps = {
  stroke: COLORS.muted,
  tick: { fill: COLORS.text, fontSize: TICK_FONT_PX, style: { fontSize: `${TICK_FONT_PX}px` } },
  tickLine: false,
} as const;

/**
 * Ticks of a category axis whose names are already cut to fit (fitLabel). `width: 0` stops
 * Recharts from wrapping them again onto two lines by its own measurements, which it caches and
 * which ran wide on the demo dashboard ("Harbour Health / Insurance" in a 165 px axis).
 */
export const categoryTick = { ...axisProps.tick, width: 0 } as const;

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
