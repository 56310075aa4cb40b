import createClient from "openapi-fetch";
import type { paths } from "@/client/schema";
import { ApiError } from "./ApiError";

/**
 * Typed client for the backend's REST API, generated types from src/client/. Same origin: in
 * production the backend serves this app; in dev Vite proxies the API paths.
 */
export const api = createClient<paths>({
  baseUrl: location.origin,
  // Resolve fetch per call (not once at import) so tests can stub it at the network boundary.
  fetch: (request) => globalThis.fetch(request),
});

type FetchResult<T> = { data?: T; error?: unknown; response: Response };

/**
 * Awaits an `api.GET/POST/...` call and returns its data, or throws a typed ApiError
 * (network failures included).
 */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  const result = await send(call);
  if (result.response.ok && result.error === undefined) {
    return result.data as T;
  }
  throw ApiError.fromResponse(result.response.status, result.error);
}

/** Like `unwrap`'s first half: returns the raw result, but turns network failures into ApiError. */
export async function send<R>(call: Promise<R>): Promise<R> {
  try {
    return await call;
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw ApiError.network(cause);
  }
}
