/**
 * The one error type the app sees from the API. The backend renders errors as
 * `{"error": "<code>", "detail": "<message>"}`; anything else (a proxy's HTML page, FastAPI's
 * default `{"detail": ...}`, a dropped connection) is normalised into the same shape.
 */
export class ApiError extends Error {
  override readonly name = "ApiError";
  /** HTTP status; 0 when no response arrived. */
  readonly status: number;
  /** Machine-readable code, e.g. `not_found`, `validation_error`, `network_error`. */
  readonly code: string;
  /** Human-readable message, safe to show. */
  readonly detail: string;
  /** Field-level problems from a 422 payload validation error, if any. */
  readonly issues: readonly ValidationIssue[];

  constructor(init: { status: number; code: string; detail: string; issues?: readonly ValidationIssue[]; cause?: unknown }) {
    super(init.detail, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.issues = init.issues ?? [];
  }

  /** Builds an ApiError from a response status and its (already parsed, or raw text) body. */
  static fromResponse(status: number, body: unknown): ApiError {
    return new ApiError({ status, ...parseErrorBody(status, body) });
  }

  /** For a request that never got a response (offline, DNS, CORS, connection reset). */
  static network(cause: unknown): ApiError {
    return new ApiError({
      status: 0,
      code: "network_error",
      detail: "Could not reach the server. Check your connection and try again.",
      cause,
    });
  }
}

export type ValidationIssue = { path: string; message: string };

const codeByStatus: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  412: "precondition_failed",
  413: "payload_too_large",
  415: "unsupported_media_type",
  422: "validation_error",
  429: "too_many_requests",
  500: "internal_error",
  502: "bad_gateway",
  503: "service_unavailable",
  504: "gateway_timeout",
};

function defaultCode(status: number): string {
  return codeByStatus[status] ?? `http_${status}`;
}

function defaultDetail(status: number): string {
  if (status >= 500) return `The server could not complete the request (HTTP ${status}).`;
  return `The request failed (HTTP ${status}).`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseIssues(detail: unknown[]): ValidationIssue[] {
  return detail.filter(isRecord).map((item) => ({
    path: Array.isArray(item.loc) ? item.loc.filter((p) => p !== "body").join(".") : "",
    message: typeof item.msg === "string" ? item.msg : "Invalid value",
  }));
}

export function parseErrorBody(
  status: number,
  body: unknown,
): { code: string; detail: string; issues: ValidationIssue[] } {
  let parsed = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
  }
  if (!isRecord(parsed)) {
    return { code: defaultCode(status), detail: defaultDetail(status), issues: [] };
  }

  const code =
    typeof parsed.error === "string" && parsed.error !== "" ? parsed.error : defaultCode(status);

  if (typeof parsed.detail === "string" && parsed.detail !== "") {
    return { code, detail: parsed.detail, issues: [] };
  }
  if (Array.isArray(parsed.detail)) {
    const issues = parseIssues(parsed.detail);
    const detail =
      issues.length > 0
        ? issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ")
        : defaultDetail(status);
    return { code: typeof parsed.error === "string" ? code : "validation_error", detail, issues };
  }
  return { code, detail: defaultDetail(status), issues: [] };
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}
