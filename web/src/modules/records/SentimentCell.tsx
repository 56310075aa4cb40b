import { Badge, type BadgeTone } from "@/components/ui/Badge";
import { EMPTY, formatDateTime } from "./format";

export const SENTIMENT_LABELS = ["negative", "neutral", "positive"] as const;

const tones: Record<string, BadgeTone> = { positive: "success", neutral: "neutral", negative: "danger" };

type Rollup = {
  sentiment_label?: string | null;
  sentiment_score?: number | null;
  sentiment_count?: number;
  sentiment_at?: string | null;
};

/**
 * The stored sentiment rollup of a contact or company: the word carries the meaning (the colour only
 * repeats it) and the title says what it rests on, so a single angry e-mail is not mistaken for a trend.
 */
export function SentimentCell({ row }: { row: Rollup }) {
  if (!row.sentiment_label) {
    return (
      <span className="text-fg-subtle" title="No analysed notes, calls, meetings or e-mails yet">
        {EMPTY}
      </span>
    );
  }
  const count = row.sentiment_count ?? 0;
  const score = row.sentiment_score === null || row.sentiment_score === undefined ? "" : `score ${row.sentiment_score.toFixed(2)}, `;
  const latest = row.sentiment_at ? `; latest ${formatDateTime(row.sentiment_at)}` : "";
  const title = `Sentiment read by the AI: ${score}recent activity weighs most, from ${count} analysed ${count === 1 ? "activity" : "activities"}${latest}`;
  return (
    <Badge tone={tones[row.sentiment_label] ?? "neutral"} dot title={title}>
      {row.sentiment_label.charAt(0).toUpperCase() + row.sentiment_label.slice(1)}
    </Badge>
  );
}
