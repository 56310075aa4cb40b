import { queryOptions } from "@tanstack/react-query";
import type { components } from "@/client/schema";
import { api, unwrap } from "@/lib/api/client";

export type Me = components["schemas"]["MeResponse"];

/** "resource:action", as the backend's permission matrix names its cells. */
export type Permission = `${string}:${string}`;

export const meQueryKey = ["auth", "me"] as const;

export const meQueryOptions = () =>
  queryOptions({
    queryKey: meQueryKey,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/auth/me", { signal })),
    staleTime: 60_000,
  });

/** Whether the user holds a permission with any scope. The server enforces; this only hides. */
export function can(me: Pick<Me, "permissions">, permission: Permission): boolean {
  const scope = me.permissions[permission];
  return scope !== undefined && scope !== "none";
}

export function canAny(me: Pick<Me, "permissions">, permissions: readonly Permission[]): boolean {
  return permissions.some((permission) => can(me, permission));
}
