import { Badge, type BadgeTone } from "@/components/ui/Badge";
import { Section } from "@/components/ui/Section";
import { Spinner } from "@/components/ui/Spinner";
import { SentimentCell } from "@/modules/records/SentimentCell";
import type { SentimentTrend } from "./types";

const DIRECTION: Record<string, { label: string; tone: BadgeTone }> = {
  improving: { label: "Improving", tone: "success" },
  worsening: { label: "Worsening", tone: "danger" },
  steady: { label: "Steady", tone: "neutral" },
  unknown: { label: "Not enough history", tone: "neutral" },
};
const month = new Intl.DateTimeFormat(undefined, { month: "short", year: "2-digit" });

/**
 * How the tone of the conversations with this person or company moves, month by month: one bar per
 * month, above the line for positive on average, below for negative. A table carries the same
 * figures for screen readers.
 */
export function SentimentCard({
  query,
  stored,
}: {
  query: { data?: SentimentTrend | undefined; isPending: boolean; isError: boolean };
  /** The record's stored rollup (the label its list shows and filters on). */
  stored?: { sentiment_label?: string | null; sentiment_score?: number | null; sentiment_count?: number; sentiment_at?: string | null };
}) {
  // The AI features may be off for this organisation or role: then the card is absent.
  if (query.isError) return null;
  const data = query.data;
  const direction = DIRECTION[data?.direction ?? "unknown"] ?? { label: "Not enough history", tone: "neutral" as const };
  const bars = data?.trend ?? [];
  const width = 240;
  const height = 64;
  const step = bars.length > 0 ? width / bars.length : width;
  const first = bars[0];
  const last = bars[bars.length - 1];

  return (
    <Section title="Sentiment" description="Read by the AI from notes, calls, meetings and e-mails." actions={data && <Badge tone={direction.tone}>{direction.label}</Badge>}>
      {query.isPending && <Spinner label="Loading sentiment…" />}
      {data && data.overall.count === 0 && (
        <p className="text-sm text-fg-subtle">{data.pending > 0 ? `${data.pending} activities are waiting to be analysed.` : "No analysed activities yet."}</p>
      )}
      {data && data.overall.count > 0 && (
        <div className="flex flex-col gap-3" data-sentiment>
          {stored?.sentiment_label && (
            <p className="flex items-center gap-2 text-sm" data-sentiment-overall>
              <span className="text-fg-muted">Overall</span>
              <SentimentCell row={stored} />
            </p>
          )}
          <p className="flex flex-wrap gap-x-3 gap-y-1 text-sm">
            <span className="text-success">{data.overall.positive} positive</span>
            <span className="text-fg-muted">{data.overall.neutral} neutral</span>
            <span className="text-danger">{data.overall.negative} negative</span>
          </p>
          <svg viewBox={`0 0 ${width} ${height}`} className="h-16 w-full" aria-hidden="true" preserveAspectRatio="none">
            <line x1={0} x2={width} y1={height / 2} y2={height / 2} className="stroke-border" strokeWidth={1} />
            {bars.map((bucket, index) => {
              const h = Math.max(2, (Math.abs(bucket.average_score) * height) / 2);
              const y = bucket.average_score >= 0 ? height / 2 - h : height / 2;
              return <rect key={bucket.period_start} x={index * step + step * 0.15} width={step * 0.7} y={y} height={h} rx={1.5} className={bucket.average_score >= 0 ? "fill-success" : "fill-danger"} />;
            })}
          </svg>
          <table className="sr-only">
            <caption>Average sentiment per month</caption>
            <tbody>
              {bars.map((bucket) => (
                <tr key={bucket.period_start}>
                  <th scope="row">{month.format(new Date(bucket.period_start))}</th>
                  <td>{bucket.average_score.toFixed(2)}</td>
                  <td>{bucket.count} activities</td>
                </tr>
              ))}
            </tbody>
          </table>
          {first && last && (
            <p className="flex justify-between text-xs text-fg-subtle" aria-hidden="true">
              <span>{month.format(new Date(first.period_start))}</span>
              <span>{month.format(new Date(last.period_start))}</span>
            </p>
          )}
        </div>
      )}
    </Section>
  );
}
