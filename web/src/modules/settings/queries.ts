import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api/client";

export const membersQueryOptions = () =>
  queryOptions({
    queryKey: ["settings", "members"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/users", { signal })),
  });

export const invitationsQueryOptions = () =>
  queryOptions({
    queryKey: ["settings", "invitations"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/invitations", { signal })),
  });

export const rolesQueryOptions = () =>
  queryOptions({
    queryKey: ["settings", "roles"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/roles", { signal })),
  });

export const teamsQueryOptions = () =>
  queryOptions({
    queryKey: ["settings", "teams"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/teams", { signal })),
  });

export const orgSessionsQueryOptions = (filters: { userId?: string | undefined; newDevicesOnly: boolean }) =>
  queryOptions({
    queryKey: ["settings", "sessions", filters],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/security/sessions", {
          signal,
          params: { query: { new_devices_only: filters.newDevicesOnly, ...(filters.userId ? { user_id: filters.userId } : {}) } },
        }),
      ),
  });

export const OUTBOX_PAGE_SIZE = 25;

export const outboxQueryOptions = () =>
  infiniteQueryOptions({
    queryKey: ["settings", "outbox"],
    queryFn: ({ signal, pageParam }) =>
      unwrap(
        api.GET("/api/v1/outbox/emails", {
          signal,
          params: { query: { limit: OUTBOX_PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });

export const flagsQueryOptions = () =>
  queryOptions({
    queryKey: ["settings", "flags"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/flags", { signal })),
  });

export const apiKeysQueryOptions = () =>
  infiniteQueryOptions({
    queryKey: ["settings", "api-keys"],
    queryFn: ({ signal, pageParam }) =>
      unwrap(api.GET("/api/v1/api-keys", { signal, params: { query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });

export type AuditFilters = {
  action?: string | undefined;
  actorId?: string | undefined;
  entityType?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
};

/** The audit filters as the API's query parameters (empty ones left out). */
export function auditQuery(filters: AuditFilters) {
  return {
    ...(filters.action ? { action: filters.action } : {}),
    ...(filters.actorId ? { actor_id: filters.actorId } : {}),
    ...(filters.entityType ? { entity_type: filters.entityType } : {}),
    ...(filters.since ? { since: filters.since } : {}),
    ...(filters.until ? { until: filters.until } : {}),
  };
}

export const auditQueryOptions = (filters: AuditFilters) =>
  infiniteQueryOptions({
    queryKey: ["settings", "audit", filters],
    queryFn: ({ signal, pageParam }) =>
      unwrap(
        api.GET("/api/v1/audit-events", {
          signal,
          params: { query: { limit: 50, ...auditQuery(filters), ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
