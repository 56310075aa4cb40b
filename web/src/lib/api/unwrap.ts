import { ApiError } from "./ApiError";

type FetchResult<T> = { data?: T; error?: unknown; response: Response };

/**
 * Awaits an `api.GET/POST/...` call and returns its data, or throws a typed ApiError
 * (network failures included).
 */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  return (await unwrapWithResponse(call)).data;
}

/** Like `unwrap`, but also hands back the Response (for headers such as `Date`). */
export async function unwrapWithResponse<T>(call: Promise<FetchResult<T>>): Promise<{ data: T; response: Response }> {
  const result = await send(call);
  if (result.response.ok && result.error === undefined) {
    return { data: result.data as T, response: result.response };
  }
  throw ApiError.fromResponse(result.response.status, result.error);
}

/** Returns the raw result, but turns network failures into ApiError. */
export async function send<R>(call: Promise<R>): Promise<R> {
  try {
    return await call;
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw ApiError.network(cause);
  }
}
