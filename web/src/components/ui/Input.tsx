import type { ComponentProps } from "react";
import { cn } from "@/lib/cn";

/** Looks shared by text inputs and selects; size and width are set by each (no class conflicts). */
export const controlClass = cn(
  "block min-w-0 rounded-md border border-border-strong bg-surface text-sm text-fg shadow-xs",
  "placeholder:text-fg-subtle disabled:cursor-not-allowed disabled:bg-surface-muted disabled:text-fg-subtle",
  "aria-invalid:border-danger aria-invalid:bg-danger-subtle/40",
);

export function Input({ className, ...props }: ComponentProps<"input">) {
  return <input className={cn(controlClass, "h-9 w-full px-3", className)} {...props} />;
}
