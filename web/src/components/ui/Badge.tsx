import type { ComponentProps } from "react";
import { cn } from "@/lib/cn";

const tones = {
  success: "border-success-border bg-success-subtle text-success",
  warning: "border-warning-border bg-warning-subtle text-warning",
  danger: "border-danger-border bg-danger-subtle text-danger",
  neutral: "border-neutral-border bg-neutral-subtle text-neutral",
  accent: "border-accent-subtle bg-accent-subtle text-accent-fg",
} as const;

const dots = {
  success: "bg-success",
  warning: "bg-warning",
  danger: "bg-danger",
  neutral: "bg-fg-subtle",
  accent: "bg-accent",
} as const;

export type BadgeTone = keyof typeof tones;

export type BadgeProps = ComponentProps<"span"> & {
  tone?: BadgeTone;
  /** Leading status dot; colour alone never carries meaning, the text does. */
  dot?: boolean;
};

export function Badge({ tone = "neutral", dot = false, className, children, ...props }: BadgeProps) {
  return (
    <span
      className={cn(
        "inline-flex items-center gap-1.5 rounded-full border px-2 py-0.5 text-xs font-medium whitespace-nowrap",
        tones[tone],
        className,
      )}
      {...props}
    >
      {dot && <span aria-hidden="true" className={cn("size-1.5 rounded-full", dots[tone])} />}
      {children}
    </span>
  );
}
