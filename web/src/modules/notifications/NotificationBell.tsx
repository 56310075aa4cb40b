import * as Popover from "@radix-ui/react-popover";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "@tanstack/react-router";
import { useState } from "react";
import { Button } from "@/components/ui/Button";
import { Spinner } from "@/components/ui/Spinner";
import { ErrorState } from "@/components/ui/States";
import { errorMessage } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { hitHref } from "@/modules/search/searchQueries";
import { NotificationItem } from "./NotificationItem";
import { markAllRead, markRead, notificationKeys, notificationsQueryOptions, notificationTarget, type Notification } from "./queries";

/** The bell in the top bar: unread count, and a panel of the latest notifications. */
export function NotificationBell() {
  const queryClient = useQueryClient();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const notifications = useQuery(notificationsQueryOptions());
  const unread = notifications.data?.unread_count ?? 0;
  const items = notifications.data?.items ?? [];

  const readAll = useMutation({
    mutationFn: markAllRead,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: notificationKeys.list }),
    onError: (error) => toast(`Couldn't mark them read: ${errorMessage(error)}`, "danger"),
  });

  const openOne = async (notification: Notification) => {
    try {
      if (!notification.read_at) {
        await markRead(notification.id);
        void queryClient.invalidateQueries({ queryKey: notificationKeys.list });
      }
      const target = notificationTarget(notification);
      if (target) {
        const href = await hitHref(target);
        setOpen(false);
        router.history.push(href);
      }
    } catch (error) {
      toast(`Couldn't open it: ${errorMessage(error)}`, "danger");
    }
  };

  return (
    <Popover.Root open={open} onOpenChange={setOpen}>
      <Popover.Trigger asChild>
        <Button variant="ghost" size="icon" className="relative" aria-label={unread > 0 ? `Notifications, ${unread} unread` : "Notifications"}>
          <svg aria-hidden="true" viewBox="0 0 20 20" className="size-5" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round">
            <path d="M5 8a5 5 0 0 1 10 0c0 4 1.5 5.5 1.5 5.5h-13S5 12 5 8Z" />
            <path d="M8.5 16.5a1.6 1.6 0 0 0 3 0" strokeLinecap="round" />
          </svg>
          {unread > 0 && (
            <span
              aria-hidden="true"
              data-unread-count
              className="absolute top-1 right-1 flex h-4 min-w-4 items-center justify-center rounded-full bg-danger px-1 text-[0.65rem] font-semibold text-fg-on-accent"
            >
              {unread > 99 ? "99+" : unread}
            </span>
          )}
        </Button>
      </Popover.Trigger>
      <Popover.Portal>
        <Popover.Content
          align="end"
          sideOffset={6}
          collisionPadding={8}
          aria-label="Notifications"
          className="z-50 flex max-h-[min(32rem,80dvh)] w-[min(24rem,calc(100vw-1rem))] flex-col overflow-hidden rounded-lg border border-border bg-surface shadow-lg outline-none"
        >
          <div className="flex items-center justify-between gap-2 border-b border-border px-4 py-2.5">
            <h2 className="text-sm font-semibold text-fg">Notifications</h2>
            {unread > 0 && (
              <Button variant="ghost" size="sm" onClick={() => readAll.mutate()} disabled={readAll.isPending}>
                {readAll.isPending && <Spinner decorative />}
                Mark all read
              </Button>
            )}
          </div>
          <div className="min-h-0 overflow-y-auto">
            {notifications.isPending && (
              <div className="flex justify-center p-6">
                <Spinner label="Loading notifications" />
              </div>
            )}
            {notifications.isError && (
              <div className="p-3">
                <ErrorState error={notifications.error} onRetry={() => void notifications.refetch()} />
              </div>
            )}
            {notifications.data && items.length === 0 && (
              <p className="px-4 py-8 text-center text-sm text-fg-muted">
                Nothing new. Reminders of your tasks and records assigned to you appear here.
              </p>
            )}
            {items.length > 0 && (
              <ul className="divide-y divide-border">
                {items.map((notification) => (
                  <li key={notification.id}>
                    <NotificationItem notification={notification} onOpen={() => void openOne(notification)} />
                  </li>
                ))}
              </ul>
            )}
          </div>
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  );
}
