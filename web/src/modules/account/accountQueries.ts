import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api/client";

export const mySessionsQueryOptions = () =>
  queryOptions({
    queryKey: ["auth", "sessions"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/auth/sessions", { signal })),
  });

export const organizationQueryOptions = () =>
  queryOptions({
    queryKey: ["organization"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/organization", { signal })),
  });
