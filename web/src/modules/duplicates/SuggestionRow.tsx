import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import type { Suggestion } from "./queries";

export type SuggestionRowProps = { suggestion: Suggestion; canMerge: boolean; onMerge: () => void; onDismiss: () => void; dismissing: boolean };

export function SuggestionRow({ suggestion, canMerge, onMerge, onDismiss, dismissing }: SuggestionRowProps) {
  const { record_a: a, record_b: b } = suggestion;
  return (
    <div className="flex flex-col gap-3 px-4 py-3 sm:flex-row sm:items-center sm:gap-4 sm:px-5" data-suggestion={suggestion.id}>
      <div className="grid min-w-0 flex-1 gap-2 sm:grid-cols-2">
        {[a, b].map((record) => (
          <div key={record.id} className="min-w-0">
            <p className="truncate font-medium text-fg">{record.name}</p>
            <p className="truncate text-xs text-fg-subtle">{record.detail ?? "—"}</p>
          </div>
        ))}
        <p className="text-xs text-fg-muted sm:col-span-2">{suggestion.reason}</p>
      </div>
      <div className="flex shrink-0 items-center gap-2">
        <Badge tone={suggestion.score >= 0.9 ? "danger" : suggestion.score >= 0.75 ? "warning" : "neutral"}>{Math.round(suggestion.score * 100)}% match</Badge>
        {canMerge && (
          <>
            <Button variant="ghost" size="sm" onClick={onDismiss} disabled={dismissing}>
              Not duplicates
            </Button>
            <Button size="sm" onClick={onMerge}>
              Merge…
            </Button>
          </>
        )}
      </div>
    </div>
  );
}
