import { useId, type ReactNode } from "react";
import { cn } from "@/lib/cn";

export type FieldControlProps = {
  id: string;
  "aria-invalid": boolean | undefined;
  "aria-describedby": string | undefined;
};

export type FieldProps = {
  label: ReactNode;
  /** The message of the API or of validation, shown under the control. */
  error?: string | undefined;
  hint?: ReactNode;
  /** Shown right of the label (e.g. a "Forgot password?" link). */
  aside?: ReactNode;
  className?: string;
  children: (props: FieldControlProps) => ReactNode;
};

/** Label, control, hint and error, wired together for assistive technology. */
export function Field({ label, error, hint, aside, className, children }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className={cn("flex flex-col gap-1.5", className)}>
      <div className="flex items-baseline justify-between gap-2">
        <label htmlFor={id} className="text-sm font-medium text-fg">
          {label}
        </label>
        {aside}
      </div>
      {children({ id, "aria-invalid": error ? true : undefined, "aria-describedby": describedBy })}
      {hint && !error && (
        <p id={hintId} className="text-xs text-fg-subtle">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="text-xs font-medium text-danger" data-field-error>
          {error}
        </p>
      )}
    </div>
  );
}
