import { queryOptions } from "@tanstack/react-query";
import type { components } from "@/client/schema";
import { api, unwrap } from "@/lib/api/client";

export type Notification = components["schemas"]["NotificationOut"];

export const notificationKeys = { list: ["notifications"] as const };

/** Polled every 30 s and on window focus: no live channel in the web app yet. */
export const notificationsQueryOptions = () =>
  queryOptions({
    queryKey: notificationKeys.list,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/notifications", { signal, params: { query: { limit: 20 } } })),
    refetchInterval: 30_000,
    refetchOnWindowFocus: true,
    staleTime: 10_000,
  });

export function markRead(id: string) {
  return unwrap(api.POST("/api/v1/notifications/{notification_id}/read", { params: { path: { notification_id: id } } }));
}

export function markAllRead() {
  return unwrap(api.POST("/api/v1/notifications/read-all"));
}

const knownEntities = new Set(["contact", "company", "deal", "lead", "activity"]);

/** The record a notification is about, in the shape search hits use to find their page. */
export function notificationTarget(n: Pick<Notification, "entity" | "entity_id">) {
  if (!n.entity || !n.entity_id || !knownEntities.has(n.entity)) return null;
  return { type: n.entity as "contact" | "company" | "deal" | "lead" | "activity", id: n.entity_id };
}
