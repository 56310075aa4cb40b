import { queryOptions } from "@tanstack/react-query";
import { ApiError } from "@/lib/api/ApiError";
import { api, send } from "@/lib/api/client";
import type { BadgeTone } from "@/components/ui/Badge";

export const READINESS_REFRESH_MS = 10_000;

export type CheckResult = {
  name: string;
  /** The value the backend reported, shown verbatim ("ok", "skipped", "error: …"). */
  status: string;
  detail?: string;
};

export type ReadinessReport = {
  /** True when the backend answered 200 (ready), false when it answered 503 (degraded). */
  ready: boolean;
  status: string;
  checks: CheckResult[];
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A check is a plain string, or an object with a `status` (and maybe a `detail`). */
function toCheck(name: string, value: unknown): CheckResult {
  if (typeof value === "string") return { name, status: value };
  if (isRecord(value) && typeof value.status === "string") {
    const detail = typeof value.detail === "string" ? value.detail : undefined;
    return detail === undefined ? { name, status: value.status } : { name, status: value.status, detail };
  }
  return { name, status: JSON.stringify(value) };
}

function toReport(ready: boolean, body: unknown): ReadinessReport | null {
  if (!isRecord(body) || !isRecord(body.checks)) return null;
  return {
    ready,
    status: typeof body.status === "string" ? body.status : ready ? "ready" : "not_ready",
    checks: Object.entries(body.checks).map(([name, value]) => toCheck(name, value)),
  };
}

/**
 * GET /readyz. A 503 that carries the readiness body is a real answer (some dependency is
 * failing) and is returned as a degraded report; anything else non-2xx is an ApiError.
 */
export async function fetchReadiness(signal?: AbortSignal): Promise<ReadinessReport> {
  const { data, error, response } = await send(api.GET("/readyz", { signal }));
  const report = response.ok ? toReport(true, data) : response.status === 503 ? toReport(false, error) : null;
  if (report) return report;
  if (response.ok) {
    throw new ApiError({
      status: response.status,
      code: "unexpected_response",
      detail: "The server's readiness answer was not understood.",
    });
  }
  throw ApiError.fromResponse(response.status, error);
}

export const readinessQueryOptions = () =>
  queryOptions({
    queryKey: ["system", "readiness"],
    queryFn: ({ signal }) => fetchReadiness(signal),
    refetchInterval: READINESS_REFRESH_MS,
    // The page polls anyway; a failure should show at once rather than after hidden retries.
    retry: false,
  });

/** "ok", or "ok" with a note such as "ok (2 workers)". */
function isOk(status: string): boolean {
  return /^ok\b/i.test(status);
}

const failureWords = /^(unavailable|error|failed|failing|down|timeout|timed out)\b/i;

export type CheckHealth = "ok" | "skipped" | "warning" | "failing";

export function checkHealth(status: string): CheckHealth {
  if (isOk(status)) return "ok";
  if (/^(skipped|disabled)\b/i.test(status)) return "skipped";
  if (failureWords.test(status)) return "failing";
  // Anything else the backend reports (e.g. "no worker") needs a look but is not an outage.
  return "warning";
}

const toneByHealth: Record<CheckHealth, BadgeTone> = {
  ok: "success",
  skipped: "neutral",
  warning: "warning",
  failing: "danger",
};

export function checkTone(status: string): BadgeTone {
  return toneByHealth[checkHealth(status)];
}

export function isHealthy(check: CheckResult): boolean {
  const health = checkHealth(check.status);
  return health === "ok" || health === "skipped";
}

const knownLabels: Record<string, string> = {
  database: "Database",
  cache: "Cache",
  redis: "Redis",
  jobs: "Background jobs",
  storage: "Object storage",
  ai: "AI service",
};

export function checkLabel(name: string): string {
  const known = knownLabels[name];
  if (known) return known;
  const words = name.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
