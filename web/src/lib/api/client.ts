import createClient from "openapi-fetch";
import type { paths } from "@/client/schema";
import { auth } from "@/lib/auth/auth";

/**
 * Typed client for the backend's REST API, generated types from src/client/. Same origin: in
 * production the backend serves this app; in dev Vite proxies the API paths. Every request goes
 * through the auth client, which adds the bearer token, refreshes it before it expires and retries
 * once after a 401.
 */
export const api = createClient<paths>({
  baseUrl: location.origin,
  fetch: (request) => auth.fetch(request),
});

export { send, unwrap, unwrapWithResponse } from "./unwrap";
