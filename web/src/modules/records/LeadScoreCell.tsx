import * as Popover from "@radix-ui/react-popover";
import { cn } from "@/lib/cn";
import { EMPTY, formatDateTime, formatScore } from "./format";
import type { Lead } from "./recordApi";

type Reason = { feature: string; description: string; impact: number };

function isReason(value: unknown): value is Reason {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.description === "string" && typeof candidate.impact === "number";
}

/** Hot, warm or cold: the number carries the meaning, the colour only repeats it. */
function tone(score: number): string {
  if (score >= 0.7) return "border-success-border bg-success-subtle text-success";
  if (score >= 0.4) return "border-warning-border bg-warning-subtle text-warning";
  return "border-neutral-border bg-neutral-subtle text-neutral";
}

/**
 * The AI lead score (0-100) with a popover of why: the top factors the model gave, each raising or
 * lowering the score, and the model version that scored it.
 */
export function LeadScoreCell({ lead }: { lead: Pick<Lead, "score" | "score_reasons" | "score_model_version" | "scored_at"> }) {
  if (lead.score === null) return <span className="text-fg-subtle" title="Not scored yet">{EMPTY}</span>;
  const reasons = (lead.score_reasons ?? []).filter(isReason);
  return (
    <Popover.Root>
      <Popover.Trigger
        className={cn("inline-flex h-6 min-w-10 cursor-pointer items-center justify-center rounded-full border px-2 text-xs font-semibold tabular-nums", tone(lead.score))}
        aria-label={`Score ${formatScore(lead.score)} out of 100: show why`}
      >
        {formatScore(lead.score)}
      </Popover.Trigger>
      <Popover.Portal>
        <Popover.Content
          sideOffset={6}
          collisionPadding={8}
          className="z-50 w-80 max-w-[calc(100vw-1rem)] rounded-lg border border-border bg-surface p-3 text-sm shadow-lg outline-none"
        >
          <p className="font-semibold text-fg">Score {formatScore(lead.score)} / 100</p>
          <p className="mb-2 text-xs text-fg-subtle">Chance this lead converts, as the model estimates it.</p>
          {reasons.length === 0 ? (
            <p className="text-fg-muted">The model gave no reasons for this score.</p>
          ) : (
            <ul className="flex flex-col gap-1.5" aria-label="Top factors">
              {reasons.slice(0, 6).map((reason, index) => (
                <li key={`${reason.feature}-${index}`} className="flex items-start gap-2">
                  <span
                    aria-hidden="true"
                    className={cn("mt-0.5 w-4 shrink-0 text-center font-bold", reason.impact >= 0 ? "text-success" : "text-danger")}
                  >
                    {reason.impact >= 0 ? "↑" : "↓"}
                  </span>
                  <span className="text-fg">
                    <span className="sr-only">{reason.impact >= 0 ? "Raises: " : "Lowers: "}</span>
                    {reason.description}
                  </span>
                </li>
              ))}
            </ul>
          )}
          <p className="mt-3 border-t border-border pt-2 text-xs text-fg-subtle">
            Model {lead.score_model_version ?? "unknown"} · scored {formatDateTime(lead.scored_at)}
          </p>
          <Popover.Arrow className="fill-surface" />
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  );
}
