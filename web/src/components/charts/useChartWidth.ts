import { type RefCallback, useCallback, useState } from "react";

/**
 * The content width of an element, kept up to date as it resizes (0 until it is mounted). Charts
 * read it to choose their layout and how much of each label fits, which Recharts' own
 * ResponsiveContainer measures but does not tell its children.
 */
export function useElementWidth<T extends HTMLElement>(): [RefCallback<T>, number] {
  const [width, setWidth] = useState(0);
  const ref = useCallback((node: T | null) => {
    if (!node) return;
    // Whole pixels: a chart drawn a fraction wider than its box would make the page scroll sideways.
    setWidth(Math.floor(node.getBoundingClientRect().width));
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver((entries) => {
      const entry = entries[0];
      if (entry) setWidth(Math.floor(entry.contentRect.width));
    });
    observer.observe(node);
    return () => {
      observer.disconnect();
    };
  }, []);
  return [ref, width];
}
