import { Badge, type BadgeTone } from "@/components/ui/Badge";

const tones: Record<string, BadgeTone> = { positive: "success", neutral: "neutral", negative: "danger" };

/** The AI's reading of an activity's tone; the word carries the meaning, the colour helps. */
export function SentimentBadge({ label }: { label: string }) {
  return (
    <Badge tone={tones[label] ?? "neutral"} dot title="Sentiment read by the AI from the text">
      {label.charAt(0).toUpperCase() + label.slice(1)}
    </Badge>
  );
}
