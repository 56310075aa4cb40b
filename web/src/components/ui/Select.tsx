import type { ComponentProps } from "react";
import { cn } from "@/lib/cn";
import { controlClass } from "./Input";

export type SelectProps = Omit<ComponentProps<"select">, "size"> & {
  size?: "md" | "sm";
};

/**
 * A native select: keyboard and screen-reader behaviour come for free on every platform. Its width
 * comes from `className` (e.g. `w-full` in a form, `w-36` in a row).
 */
export function Select({ className, size = "md", ...props }: SelectProps) {
  return (
    <select
      className={cn(controlClass, "cursor-pointer", size === "sm" ? "h-8 pr-7 pl-2 text-xs" : "h-9 pr-8 pl-3", className)}
      {...props}
    />
  );
}
