import type { ComponentProps } from "react";
import { cn } from "@/lib/cn";
import { inputClass } from "./Input";

/** A native select: keyboard and screen-reader behaviour come for free on every platform. */
export function Select({ className, ...props }: ComponentProps<"select">) {
  return <select className={cn(inputClass, "cursor-pointer pr-8", className)} {...props} />;
}
