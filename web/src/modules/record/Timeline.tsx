import { useInfiniteQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useRef } from "react";
import { Button } from "@/components/ui/Button";
import { Section } from "@/components/ui/Section";
import { Spinner } from "@/components/ui/Spinner";
import { EmptyState, ErrorState } from "@/components/ui/States";
import { timelineQueryOptions } from "./queries";
import { groupByDay } from "./timeline";
import { TimelineItem } from "./TimelineItem";
import type { RecordObject } from "./types";

export type TimelineProps = {
  object: RecordObject;
  id: string;
  /** Sentiment labels of analysed activities, by activity id (contacts and companies). */
  sentiments?: ReadonlyMap<string, string> | undefined;
  memberName: (id: string | null | undefined) => string;
};

/**
 * The record's history, newest first and grouped by day. The next page loads when the end of the
 * list scrolls into view (and from the "Load older" button, for keyboards and reduced motion).
 */
export function Timeline({ object, id, sentiments, memberName }: TimelineProps) {
  const timeline = useInfiniteQuery(timelineQueryOptions(object, id));
  const sentinel = useRef<HTMLDivElement>(null);
  const entries = useMemo(() => timeline.data?.pages.flatMap((page) => page.items) ?? [], [timeline.data]);
  const days = useMemo(() => groupByDay(entries), [entries]);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = timeline;

  useEffect(() => {
    const node = sentinel.current;
    if (!node || !hasNextPage || typeof IntersectionObserver === "undefined") return;
    const observer = new IntersectionObserver((seen) => {
      if (seen.some((e) => e.isIntersecting) && !isFetchingNextPage) void fetchNextPage();
    });
    observer.observe(node);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  return (
    <Section title="Timeline" description="Activities, stage changes and field changes, newest first." flush>
      {timeline.isPending && (
        <div className="flex justify-center py-10">
          <Spinner label="Loading the timeline…" showLabel />
        </div>
      )}
      {timeline.isError && (
        <div className="p-4">
          <ErrorState error={timeline.error} onRetry={() => void timeline.refetch()} />
        </div>
      )}
      {timeline.data && entries.length === 0 && <EmptyState title="Nothing has happened yet">Log a note, a call or a meeting, or plan a task above.</EmptyState>}
      {days.length > 0 && (
        <ol className="flex flex-col" aria-label="Timeline">
          {days.map((day) => (
            <li key={day.key} className="border-b border-border last:border-b-0">
              <h3 className="sticky top-0 z-10 bg-surface-muted/95 px-4 py-1.5 text-xs font-semibold tracking-wide text-fg-muted uppercase sm:px-5">{day.label}</h3>
              <ol className="flex flex-col divide-y divide-border">
                {day.entries.map((entry) => (
                  <TimelineItem key={entry.id} entry={entry} object={object} recordId={id} sentiment={entry.activity ? sentiments?.get(entry.activity.id) : undefined} memberName={memberName} />
                ))}
              </ol>
            </li>
          ))}
        </ol>
      )}
      <div ref={sentinel} />
      {hasNextPage && (
        <div className="border-t border-border px-4 py-3 text-center sm:px-5">
          <Button variant="secondary" size="sm" onClick={() => void fetchNextPage()} disabled={isFetchingNextPage}>
            {isFetchingNextPage && <Spinner decorative />}
            Load older
          </Button>
        </div>
      )}
    </Section>
  );
}
