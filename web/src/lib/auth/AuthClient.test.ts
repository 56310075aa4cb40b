import { afterEach, describe, expect, it, vi } from "vitest";
import { isApiError } from "@/lib/api/ApiError";
import { AuthClient, type ChannelLike } from "./AuthClient";

const BASE = "http://crm.test";
const NOW = Date.parse("2026-11-27T12:00:00Z");

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | Error;
type Route = (request: Request) => Reply | Promise<Reply>;

/** A fake network: each request is answered by the first matching route; every request is recorded. */
function network(routes: Record<string, Route>) {
  const requests: Request[] = [];
  const fetch = vi.fn(async (request: Request) => {
    requests.push(request);
    const url = new URL(request.url);
    const route = routes[`${request.method} ${url.pathname}`];
    if (!route) throw new Error(`unexpected ${request.method} ${url.pathname}`);
    const reply = await route(request);
    if (reply instanceof Error) throw reply;
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), {
      status: reply.status,
      headers: { "Content-Type": "application/json", ...reply.headers },
    });
  });
  const calls = (method: string, path: string) =>
    requests.filter((r) => r.method === method && new URL(r.url).pathname === path);
  return { fetch, requests, calls };
}

/** A token response whose access token expires `ttlS` seconds after the server's Date header. */
function tokens(accessToken: string, { ttlS = 900, mfaPending = false, org = "org-1", role = "admin" } = {}): Reply {
  return {
    status: 200,
    body: {
      status: "signed_in",
      access_token: accessToken,
      token_type: "Bearer",
      expires_at: new Date(NOW + ttlS * 1000).toISOString(),
      organization_id: org,
      role,
      mfa_enrollment_required: mfaPending,
    },
    headers: { Date: new Date(NOW).toUTCString() },
  };
}

function fakeChannel() {
  const listeners: Array<(event: MessageEvent) => void> = [];
  const posted: unknown[] = [];
  const channel: ChannelLike = {
    postMessage: (message) => posted.push(message),
    addEventListener: (_type, listener) => listeners.push(listener as (event: MessageEvent) => void),
  };
  const deliver = (data: unknown) => {
    for (const listener of listeners) listener(new MessageEvent("message", { data }));
  };
  return { channel, posted, deliver };
}

function client(routes: Record<string, Route>, { csrf = "csrf-1" }: { csrf?: string | null } = {}) {
  const net = network(routes);
  const { channel, posted, deliver } = fakeChannel();
  let cookie = csrf;
  const lockCalls: string[] = [];
  const lock = <T,>(name: string, task: () => Promise<T>): Promise<T> => {
    lockCalls.push(name);
    return task();
  };
  const auth = new AuthClient({
    baseUrl: BASE,
    fetch: net.fetch,
    now: () => Date.now(),
    readCookie: (name) => (name === "crm_csrf" ? (cookie ?? undefined) : undefined),
    lock,
    channel,
  });
  return { auth, ...net, posted, deliver, lockCalls, setCookie: (value: string | null) => (cookie = value) };
}

const bearer = (request: Request) => request.headers.get("Authorization");

afterEach(() => {
  vi.useRealTimers();
});

describe("AuthClient sign-in", () => {
  it("keeps the access token in memory only and sends it as a bearer token", async () => {
    vi.useFakeTimers({ now: NOW });
    const { auth, calls } = client({
      "POST /api/v1/auth/sign-in": () => tokens("access-1"),
      "GET /api/v1/auth/me": (request) => ({ status: bearer(request) === "Bearer access-1" ? 200 : 401, body: {} }),
    });

    await expect(auth.signIn({ email: "ada@example.test", password: "pw" })).resolves.toEqual({ status: "signed_in" });
    expect(auth.getState()).toEqual({
      status: "signed_in",
      session: { organizationId: "org-1", role: "admin", expiresAt: NOW + 900_000, mfaEnrollmentRequired: false },
    });
    expect(auth.accessToken()).toBe("access-1");
    expect(localStorage.length + sessionStorage.length).toBe(0);

    const response = await auth.fetch(new Request(`${BASE}/api/v1/auth/me`));
    expect(response.status).toBe(200);
    expect(calls("GET", "/api/v1/auth/me")).toHaveLength(1);
    // The sign-in request itself carried no bearer token.
    expect(bearer(calls("POST", "/api/v1/auth/sign-in")[0] as Request)).toBeNull();
  });

  it("returns the MFA branch without signing in, then signs in with the code", async () => {
    vi.useFakeTimers({ now: NOW });
    const { auth, calls, posted } = client({
      "POST /api/v1/auth/sign-in": () => ({ status: 200, body: { status: "mfa_required", mfa_token: "mfa-token-1" } }),
      "POST /api/v1/auth/mfa/verify": () => tokens("access-mfa"),
    });

    const result = await auth.signIn({ email: "ada@example.test", password: "pw" });
    expect(result).toEqual({ status: "mfa_required", mfaToken: "mfa-token-1" });
    expect(auth.getState().status).toBe("loading");
    expect(auth.accessToken()).toBeNull();

    await auth.verifyMfa({ mfa_token: "mfa-token-1", code: "123456" });
    expect(await (calls("POST", "/api/v1/auth/mfa/verify")[0] as Request).json()).toEqual({
      mfa_token: "mfa-token-1",
      code: "123456",
    });
    expect(auth.accessToken()).toBe("access-mfa");
    expect(posted).toContainEqual({ type: "signed_in", organizationId: "org-1" });
  });

  it("turns a refused sign-in into a typed ApiError and stays signed out", async () => {
    const { auth } = client({
      "POST /api/v1/auth/sign-in": () => ({
        status: 401,
        body: { error: "invalid_credentials", detail: "e-mail or password is wrong" },
      }),
    });
    const error: unknown = await auth.signIn({ email: "a@b.test", password: "x" }).catch((e: unknown) => e);
    expect(isApiError(error) && error.code).toBe("invalid_credentials");
    expect(auth.accessToken()).toBeNull();
  });

  it("records an enrolment requirement from the token response", async () => {
    vi.useFakeTimers({ now: NOW });
    const { auth } = client({ "POST /api/v1/auth/sign-in": () => tokens("a", { mfaPending: true }) });
    await auth.signIn({ email: "a@b.test", password: "x" });
    const state = auth.getState();
    expect(state.status === "signed_in" && state.session.mfaEnrollmentRequired).toBe(true);
  });
});

describe("AuthClient session restore and refresh", () => {
  it("does not call the server at start-up when there is no session cookie", async () => {
    const { auth, fetch } = client({}, { csrf: null });
    await auth.init();
    expect(auth.getState()).toEqual({ status: "signed_out", reason: "initial" });
    expect(fetch).not.toHaveBeenCalled();
  });

  it("restores the session from the refresh cookie, sending the CSRF header", async () => {
    vi.useFakeTimers({ now: NOW });
    const { auth, calls, lockCalls } = client({ "POST /api/v1/auth/refresh": () => tokens("restored") });
    await auth.init();
    await auth.init();
    const [refresh, ...others] = calls("POST", "/api/v1/auth/refresh");
    expect(others).toHaveLength(0);
    expect(refresh?.headers.get("X-CSRF-Token")).toBe("csrf-1");
    expect(auth.accessToken()).toBe("restored");
    // Serialised across tabs: they share one single-use refresh cookie.
    expect(lockCalls).toEqual(["crm-auth-refresh"]);
  });

  it("is single-flight: concurrent refreshes share one request", async () => {
    let release: (() => void) | undefined;
    const { auth, calls } = client({
      "POST /api/v1/auth/refresh": () =>
        release
          ? tokens("again")
          : new Promise<Reply>((resolve) => {
              release = () => resolve(tokens("fresh"));
            }),
    });
    const results = Promise.all([auth.refresh(), auth.refresh(), auth.refresh()]);
    await vi.waitFor(() => expect(release).toBeDefined());
    release?.();
    await expect(results).resolves.toEqual([true, true, true]);
    expect(calls("POST", "/api/v1/auth/refresh")).toHaveLength(1);

    // Once settled, the next refresh is a new request.
    await auth.refresh();
    expect(calls("POST", "/api/v1/auth/refresh")).toHaveLength(2);
  });

  it("signs out when the refresh is refused (expired, revoked or replayed)", async () => {
    vi.useFakeTimers({ now: NOW });
    let refreshes = 0;
    const { auth } = client({
      "POST /api/v1/auth/refresh": () =>
        ++refreshes === 1 ? tokens("first") : { status: 401, body: { error: "invalid_refresh_token", detail: "sign in again" } },
    });
    await auth.init();
    await expect(auth.refresh()).resolves.toBe(false);
    expect(auth.getState()).toEqual({ status: "signed_out", reason: "expired" });
    expect(auth.accessToken()).toBeNull();
  });

  it("keeps the session when the refresh fails for lack of network", async () => {
    vi.useFakeTimers({ now: NOW });
    let refreshes = 0;
    const { auth } = client({
      "POST /api/v1/auth/refresh": () => (++refreshes === 1 ? tokens("first") : new TypeError("fetch failed")),
    });
    await auth.init();
    await expect(auth.refresh()).resolves.toBe(false);
    expect(auth.accessToken()).toBe("first");
    expect(auth.getState().status).toBe("signed_in");
  });

  it("refreshes a minute before the access token expires", async () => {
    vi.useFakeTimers({ now: NOW });
    const { auth, calls } = client({
      "POST /api/v1/auth/sign-in": () => tokens("first", { ttlS: 900 }),
      "POST /api/v1/auth/refresh": () => tokens("second"),
    });
    await auth.signIn({ email: "a@b.test", password: "x" });
    await vi.advanceTimersByTimeAsync(839_000);
    expect(calls("POST", "/api/v1/auth/refresh")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls("POST", "/api/v1/auth/refresh")).toHaveLength(1);
    expect(auth.accessToken()).toBe("second");
  });

  it("measures the token's lifetime on the server's clock, not this machine's", async () => {
    // This machine's clock runs 10 minutes behind the server's.
    vi.useFakeTimers({ now: NOW - 600_000 });
    const { auth } = client({ "POST /api/v1/auth/sign-in": () => tokens("a", { ttlS: 900 }) });
    await auth.signIn({ email: "a@b.test", password: "x" });
    const state = auth.getState();
    expect(state.status === "signed_in" && state.session.expiresAt).toBe(NOW - 600_000 + 900_000);
  });

  it("refreshes first when a request would leave with a nearly expired token", async () => {
    vi.useFakeTimers({ now: NOW });
    const { auth, calls } = client({
      "POST /api/v1/auth/sign-in": () => tokens("old", { ttlS: 5 }),
      "POST /api/v1/auth/refresh": () => tokens("new"),
      "GET /api/v1/users": () => ({ status: 200, body: { items: [] } }),
    });
    await auth.signIn({ email: "a@b.test", password: "x" });
    await auth.fetch(new Request(`${BASE}/api/v1/users`));
    expect(calls("POST", "/api/v1/auth/refresh")).toHaveLength(1);
    expect(bearer(calls("GET", "/api/v1/users")[0] as Request)).toBe("Bearer new");
  });
});

describe("AuthClient 401 handling", () => {
  it("refreshes once after a 401 and retries the request (body included) with the new token", async () => {
    vi.useFakeTimers({ now: NOW });
    const { auth, calls } = client({
      "POST /api/v1/auth/sign-in": () => tokens("stale"),
      "POST /api/v1/auth/refresh": () => tokens("fresh"),
      "POST /api/v1/teams": async (request) =>
        bearer(request) === "Bearer fresh"
          ? { status: 201, body: { echoed: (await request.json()) as unknown } }
          : { status: 401, body: { error: "invalid_token", detail: "invalid or expired token" } },
    });
    await auth.signIn({ email: "a@b.test", password: "x" });

    const response = await auth.fetch(
      new Request(`${BASE}/api/v1/teams`, { method: "POST", body: JSON.stringify({ name: "North" }) }),
    );
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ echoed: { name: "North" } });
    expect(calls("POST", "/api/v1/teams").map(bearer)).toEqual(["Bearer stale", "Bearer fresh"]);
    expect(calls("POST", "/api/v1/auth/refresh")).toHaveLength(1);
  });

  it("shares one refresh between parallel requests that all got 401", async () => {
    vi.useFakeTimers({ now: NOW });
    const { auth, calls } = client({
      "POST /api/v1/auth/sign-in": () => tokens("stale"),
      "POST /api/v1/auth/refresh": () => tokens("fresh"),
      "GET /api/v1/users": (request) => (bearer(request) === "Bearer fresh" ? { status: 200, body: {} } : { status: 401 }),
    });
    await auth.signIn({ email: "a@b.test", password: "x" });
    const responses = await Promise.all([1, 2, 3].map(() => auth.fetch(new Request(`${BASE}/api/v1/users`))));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(calls("POST", "/api/v1/auth/refresh")).toHaveLength(1);
    expect(calls("GET", "/api/v1/users")).toHaveLength(6);
  });

  it("retries at most once: a second 401 is returned, and a refused refresh signs out", async () => {
    vi.useFakeTimers({ now: NOW });
    const { auth, calls } = client({
      "POST /api/v1/auth/sign-in": () => tokens("stale"),
      "POST /api/v1/auth/refresh": () => ({ status: 401, body: { error: "invalid_refresh_token", detail: "sign in again" } }),
      "GET /api/v1/users": () => ({ status: 401 }),
    });
    await auth.signIn({ email: "a@b.test", password: "x" });
    const response = await auth.fetch(new Request(`${BASE}/api/v1/users`));
    expect(response.status).toBe(401);
    expect(calls("GET", "/api/v1/users")).toHaveLength(1);
    expect(auth.getState()).toEqual({ status: "signed_out", reason: "expired" });
  });

  it("sends requests without a token when signed out", async () => {
    const { auth, calls } = client({ "GET /readyz": () => ({ status: 200, body: {} }) }, { csrf: null });
    await auth.fetch(new Request(`${BASE}/readyz`));
    expect(bearer(calls("GET", "/readyz")[0] as Request)).toBeNull();
  });
});

describe("AuthClient sign-out", () => {
  it("ends the session everywhere on request, forgets the token and tells other tabs", async () => {
    vi.useFakeTimers({ now: NOW });
    const { auth, calls, posted } = client({
      "POST /api/v1/auth/sign-in": () => tokens("a"),
      "POST /api/v1/auth/sign-out": () => ({ status: 200, body: { sessions_ended: 3 } }),
    });
    await auth.signIn({ email: "a@b.test", password: "x" });
    await expect(auth.signOut({ everywhere: true })).resolves.toBe(3);
    const request = calls("POST", "/api/v1/auth/sign-out")[0];
    expect(new URL(request?.url ?? "").searchParams.get("everywhere")).toBe("true");
    expect(bearer(request as Request)).toBe("Bearer a");
    expect(auth.getState()).toEqual({ status: "signed_out", reason: "signed_out" });
    expect(posted).toContainEqual({ type: "signed_out" });
  });

  it("stays signed in when the server could not be reached", async () => {
    vi.useFakeTimers({ now: NOW });
    const { auth } = client({
      "POST /api/v1/auth/sign-in": () => tokens("a"),
      "POST /api/v1/auth/sign-out": () => new TypeError("fetch failed"),
    });
    await auth.signIn({ email: "a@b.test", password: "x" });
    await expect(auth.signOut()).rejects.toMatchObject({ code: "network_error" });
    expect(auth.accessToken()).toBe("a");
  });

  it("follows other tabs: their sign-out signs this tab out, their sign-in is picked up", async () => {
    const { auth, deliver, calls } = client({
      "POST /api/v1/auth/sign-in": () => tokens("a"),
      "POST /api/v1/auth/refresh": () => tokens("b", { org: "org-2" }),
    });
    await auth.signIn({ email: "a@b.test", password: "x" });
    deliver({ type: "signed_out" });
    expect(auth.getState()).toEqual({ status: "signed_out", reason: "signed_out" });

    deliver({ type: "signed_in", organizationId: "org-2" });
    await vi.waitFor(() => expect(auth.accessToken()).toBe("b"));
    expect(calls("POST", "/api/v1/auth/refresh")).toHaveLength(1);
  });
});
