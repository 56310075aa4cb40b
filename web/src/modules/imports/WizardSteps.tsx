import { cn } from "@/lib/cn";

export const WIZARD_STEPS = ["Upload", "Map columns", "Preview", "Import", "Report"] as const;
export type WizardStep = (typeof WIZARD_STEPS)[number];

/** Where the user is in the import: done steps, the current one (aria-current), the rest. */
export function WizardSteps({ current }: { current: WizardStep }) {
  const index = WIZARD_STEPS.indexOf(current);
  return (
    <ol className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs sm:text-sm" aria-label="Import steps">
      {WIZARD_STEPS.map((step, i) => (
        <li key={step} className="flex items-center gap-2" aria-current={i === index ? "step" : undefined}>
          <span
            aria-hidden="true"
            className={cn(
              "flex size-5 items-center justify-center rounded-full border text-[0.7rem] font-semibold",
              i < index && "border-accent bg-accent text-fg-on-accent",
              i === index && "border-accent text-accent",
              i > index && "border-border-strong text-fg-subtle",
            )}
          >
            {i < index ? "✓" : i + 1}
          </span>
          <span className={cn(i === index ? "font-semibold text-fg" : "text-fg-muted", i !== index && "hidden sm:inline")}>
            {step}
            {i < index && <span className="sr-only"> (done)</span>}
          </span>
          {i < WIZARD_STEPS.length - 1 && <span aria-hidden="true" className="hidden h-px w-4 bg-border-strong sm:block" />}
        </li>
      ))}
    </ol>
  );
}
