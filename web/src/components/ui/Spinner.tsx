import { cn } from "@/lib/cn";

export type SpinnerProps = {
  /** Announced to screen readers; shown next to the spinner when `showLabel` is set. */
  label?: string;
  showLabel?: boolean;
  /** Purely visual (e.g. inside a button that already says aria-busy): no live region. */
  decorative?: boolean;
  className?: string;
};

export function Spinner({ label = "Loading", showLabel = false, decorative = false, className }: SpinnerProps) {
  const ring = (
    <span
      aria-hidden="true"
      className="size-4 shrink-0 animate-spin rounded-full border-2 border-border-strong border-t-accent"
    />
  );
  if (decorative) return <span className={cn("inline-flex", className)}>{ring}</span>;
  return (
    <span role="status" className={cn("inline-flex items-center gap-2 text-fg-muted", className)}>
      {ring}
      <span className={showLabel ? undefined : "sr-only"}>{label}</span>
    </span>
  );
}
