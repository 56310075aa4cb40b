import { type RefCallback, useCallback, useEffect, useState } from "react";

/**
 * What a chart lays its labels out by: the content width of its box, kept up to date as it
 * resizes (0 until mounted), and one re-render once the web fonts have loaded, since a label
 * measured in the fallback font is cut shorter than it needs to be. Recharts' ResponsiveContainer
 * measures the width too but does not tell the chart's children.
 */
export function useChartWidth<T extends HTMLElement>(): [RefCallback<T>, number] {
  const [width, setWidth] = useState(0);
  const [, setFontsLoaded] = useState(false);
  useEffect(() => {
    let live = true;
    if (typeof document !== "undefined" && "fonts" in document && document.fonts.status !== "loaded") {
      void document.fonts.ready.then(() => {
        if (live) setFontsLoaded(true);
      });
    }
    return () => {
      live = false;
    };
  }, []);
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
