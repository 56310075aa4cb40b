import { useSyncExternalStore } from "react";
import { cn } from "@/lib/cn";
import { dismissToast, getToasts, subscribeToasts } from "@/lib/toast/toast";

const tones = {
  success: "border-success-border",
  danger: "border-danger-border",
  info: "border-border",
} as const;

export function Toaster() {
  const toasts = useSyncExternalStore(subscribeToasts, getToasts, getToasts);
  return (
    <div
      role="status"
      aria-live="polite"
      className="pointer-events-none fixed right-3 bottom-3 left-3 z-60 flex flex-col items-end gap-2 sm:left-auto"
    >
      {toasts.map((item) => (
        <div
          key={item.id}
          className={cn(
            "pointer-events-auto flex w-full max-w-sm items-start gap-3 rounded-md border-l-4 bg-surface px-3 py-2.5 text-sm shadow-lg ring-1 ring-border",
            tones[item.tone],
          )}
        >
          <p className="min-w-0 flex-1 text-fg">{item.message}</p>
          <button
            type="button"
            onClick={() => dismissToast(item.id)}
            className="-my-0.5 cursor-pointer rounded px-1 text-fg-subtle hover:text-fg"
            aria-label="Dismiss"
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
