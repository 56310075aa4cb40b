import type { ComponentProps, ReactNode } from "react";
import { cn } from "@/lib/cn";

const tones = {
  danger: "border-danger-border bg-danger-subtle text-danger",
  success: "border-success-border bg-success-subtle text-success",
  warning: "border-warning-border bg-warning-subtle text-warning",
  info: "border-accent-subtle bg-accent-subtle text-accent-fg",
} as const;

export type AlertProps = Omit<ComponentProps<"div">, "title"> & {
  tone?: keyof typeof tones;
  title?: ReactNode;
};

/** A message block. Errors are announced (role="alert"); other tones are polite status messages. */
export function Alert({ tone = "info", title, className, children, ...props }: AlertProps) {
  return (
    <div
      role={tone === "danger" ? "alert" : "status"}
      className={cn("rounded-md border px-3 py-2.5 text-sm", tones[tone], className)}
      {...props}
    >
      {title && <p className="font-semibold">{title}</p>}
      {children && <div className={cn("[&_a]:underline", title ? "mt-0.5 text-fg-muted" : undefined)}>{children}</div>}
    </div>
  );
}
