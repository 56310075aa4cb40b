import type { ComponentProps } from "react";
import { cn } from "@/lib/cn";

export const inputClass = cn(
  "block h-9 w-full min-w-0 rounded-md border border-border-strong bg-surface px-3 text-sm text-fg shadow-xs",
  "placeholder:text-fg-subtle disabled:cursor-not-allowed disabled:bg-surface-muted disabled:text-fg-subtle",
  "aria-invalid:border-danger aria-invalid:bg-danger-subtle/40",
);

export function Input({ className, ...props }: ComponentProps<"input">) {
  return <input className={cn(inputClass, className)} {...props} />;
}
