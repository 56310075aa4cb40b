import { cn } from "@/lib/cn";
import { formatRelative } from "@/lib/format";
import type { Notification } from "./queries";

const kindLabels: Record<string, string> = { reminder: "Reminder", assigned: "Assigned to you" };

export function NotificationItem({ notification, onOpen }: { notification: Notification; onOpen: () => void }) {
  const unread = !notification.read_at;
  return (
    <button
      type="button"
      onClick={onOpen}
      data-notification={notification.kind}
      className={cn(
        "flex w-full cursor-pointer gap-3 px-4 py-3 text-left hover:bg-surface-hover focus-visible:bg-surface-hover",
        unread && "bg-accent-subtle/40",
      )}
    >
      <span aria-hidden="true" className={cn("mt-1.5 size-2 shrink-0 rounded-full", unread ? "bg-accent" : "bg-transparent")} />
      <span className="min-w-0 flex-1">
        <span className="block text-sm font-medium text-fg">
          {notification.title}
          {unread && <span className="sr-only"> (unread)</span>}
        </span>
        {notification.body && <span className="line-clamp-2 block text-xs text-fg-muted">{notification.body}</span>}
        <span className="mt-0.5 block text-xs text-fg-subtle">
          {kindLabels[notification.kind] ?? notification.kind} · <time dateTime={notification.created_at}>{formatRelative(notification.created_at)}</time>
        </span>
      </span>
    </button>
  );
}
