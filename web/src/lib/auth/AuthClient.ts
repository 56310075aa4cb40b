import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "@/client/schema";
import { ApiError } from "@/lib/api/ApiError";
import { send, unwrap, unwrapWithResponse } from "@/lib/api/unwrap";

type Schemas = components["schemas"];
type TokenResponse = Schemas["TokenResponse"];

export const CSRF_COOKIE = "crm_csrf";
const REFRESH_LOCK = "crm-auth-refresh";
const CHANNEL = "crm-auth";
/** Refresh this long before the access token expires. */
const REFRESH_AHEAD_MS = 60_000;
/** A request never leaves with a token that has less than this left. */
const MIN_VALIDITY_MS = 10_000;

export type AuthSession = {
  organizationId: string;
  role: string;
  /** Local clock (ms since the epoch) at which the access token expires. */
  expiresAt: number;
  /** The organisation requires MFA of this role and the user has not enrolled yet. */
  mfaEnrollmentRequired: boolean;
};

export type SignedOutReason = "initial" | "signed_out" | "expired";

export type AuthState =
  | { status: "loading" }
  | { status: "signed_out"; reason: SignedOutReason }
  | { status: "signed_in"; session: AuthSession };

export type SignInResult = { status: "signed_in" } | { status: "mfa_required"; mfaToken: string };

type ChannelMessage = { type: "signed_out" } | { type: "signed_in"; organizationId: string };

/** The subset of BroadcastChannel the client uses (tests pass a fake). */
export type ChannelLike = {
  postMessage: (message: ChannelMessage) => void;
  addEventListener: (type: "message", listener: (event: MessageEvent<ChannelMessage>) => void) => void;
};

export type AuthClientOptions = {
  baseUrl: string;
  /** The network boundary; defaults to the global fetch, resolved per call. */
  fetch?: (request: Request) => Promise<Response>;
  now?: () => number;
  readCookie?: (name: string) => string | undefined;
  /** Serialises refreshes across tabs (they share one refresh cookie, which is single-use). */
  lock?: <T>(name: string, task: () => Promise<T>) => Promise<T>;
  channel?: ChannelLike | null;
};

function defaultLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
  // Web Locks are in every current browser; without them (tests, old browsers) refreshes are
  // still single-flight within this tab.
  // .then() flattens the callback's promise whichever way the DOM typings declare request().
  return locks ? locks.request(name, task).then((value) => value) : task();
}

function defaultChannel(): ChannelLike | null {
  return typeof BroadcastChannel === "undefined" ? null : new BroadcastChannel(CHANNEL);
}

/**
 * Holds the session of this tab. The access token lives in memory only; the refresh token is an
 * httpOnly cookie the script never sees. The client refreshes the access token shortly before it
 * expires, and once after a 401, with one refresh in flight at a time (and one across tabs).
 */
export class AuthClient {
  private state: AuthState = { status: "loading" };
  private token: string | null = null;
  private readonly listeners = new Set<() => void>();
  private refreshing: Promise<boolean> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private initialised: Promise<void> | null = null;
  private readonly rawFetch: (request: Request) => Promise<Response>;
  private readonly now: () => number;
  private readonly readCookie: (name: string) => string | undefined;
  private readonly lock: <T>(name: string, task: () => Promise<T>) => Promise<T>;
  private readonly channel: ChannelLike | null;
  /** Endpoints that need no bearer token (and whose 401 means "wrong credentials", not "expired"). */
  private readonly publicApi: Client<paths>;
  /** Auth endpoints that act on the current session. */
  private readonly sessionApi: Client<paths>;

  constructor(options: AuthClientOptions) {
    this.rawFetch = options.fetch ?? ((request) => globalThis.fetch(request));
    this.now = options.now ?? (() => Date.now());
    this.readCookie = options.readCookie ?? (() => undefined);
    this.lock = options.lock ?? defaultLock;
    this.channel = options.channel === undefined ? defaultChannel() : options.channel;
    this.publicApi = createClient<paths>({ baseUrl: options.baseUrl, fetch: (request) => this.rawFetch(request) });
    this.sessionApi = createClient<paths>({ baseUrl: options.baseUrl, fetch: (request) => this.fetch(request) });
    this.channel?.addEventListener("message", (event) => {
      this.onChannelMessage(event.data);
    });
  }

  // --- state -------------------------------------------------------------------------------

  getState = (): AuthState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The current access token (memory only), or null when signed out. */
  accessToken(): string | null {
    return this.token;
  }

  /** Restores the session from the refresh cookie, once. */
  init(): Promise<void> {
    this.initialised ??= (async () => {
      if (!this.readCookie(CSRF_COOKIE)) {
        // No session cookie pair: nothing to restore, and no request that would only answer 401.
        this.setState({ status: "signed_out", reason: "initial" });
        return;
      }
      await this.refresh();
    })();
    return this.initialised;
  }

  /** Resolves with the first settled state (after `init`). */
  async ready(): Promise<AuthState> {
    await this.init();
    return this.state;
  }

  // --- sign-in flows -----------------------------------------------------------------------

  async signIn(body: Schemas["SignInRequest"]): Promise<SignInResult> {
    const { data, response } = await unwrapWithResponse(this.publicApi.POST("/api/v1/auth/sign-in", { body }));
    if (data.status === "mfa_required") return { status: "mfa_required", mfaToken: data.mfa_token };
    this.acceptTokens(data, response, true);
    return { status: "signed_in" };
  }

  async verifyMfa(body: Schemas["MfaVerifyRequest"]): Promise<void> {
    const { data, response } = await unwrapWithResponse(this.publicApi.POST("/api/v1/auth/mfa/verify", { body }));
    this.acceptTokens(data, response, true);
  }

  async signUp(body: Schemas["SignUpRequest"]): Promise<void> {
    const { data, response } = await unwrapWithResponse(this.publicApi.POST("/api/v1/auth/sign-up", { body }));
    this.acceptTokens(data, response, true);
  }

  /** Accounts with MFA are not signed in here: they finish with their code at sign-in. */
  async acceptInvitation(body: Schemas["InvitationAccept"]): Promise<SignInResult> {
    const { data, response } = await unwrapWithResponse(
      this.publicApi.POST("/api/v1/auth/invitations/accept", { body }),
    );
    if (data.status === "mfa_required") return { status: "mfa_required", mfaToken: data.mfa_token };
    this.acceptTokens(data, response, true);
    return { status: "signed_in" };
  }

  async switchOrganization(organizationId: string): Promise<void> {
    const { data, response } = await unwrapWithResponse(
      this.sessionApi.POST("/api/v1/auth/switch-organization", { body: { organization_id: organizationId } }),
    );
    this.acceptTokens(data, response, true);
  }

  /** Ends this session (or, with `everywhere`, every session of the user in this organisation). */
  async signOut({ everywhere = false }: { everywhere?: boolean } = {}): Promise<number> {
    let ended = 0;
    try {
      ended = (
        await unwrap(this.sessionApi.POST("/api/v1/auth/sign-out", { params: { query: { everywhere } } }))
      ).sessions_ended;
    } catch (error) {
      // A session that already ended is as signed out as it gets; anything else (offline) must
      // not pretend the server forgot the session.
      if (!(error instanceof ApiError && error.status === 401)) throw error;
    }
    this.signedOut("signed_out");
    this.channel?.postMessage({ type: "signed_out" });
    return ended;
  }

  // --- tokens ------------------------------------------------------------------------------

  /**
   * Exchanges the refresh cookie for a new access token. Single-flight: callers that arrive while
   * a refresh runs share its outcome. Resolves true when a new token arrived.
   */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.lock(REFRESH_LOCK, () => this.doRefresh()).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<boolean> {
    const csrf = this.readCookie(CSRF_COOKIE);
    if (!csrf) {
      this.signedOut(this.state.status === "loading" ? "initial" : "expired");
      return false;
    }
    let result;
    try {
      result = await send(this.publicApi.POST("/api/v1/auth/refresh", { headers: { "X-CSRF-Token": csrf } }));
    } catch {
      // Offline: keep whatever token we hold; the next request or timer tries again.
      if (this.state.status === "loading") this.setState({ status: "signed_out", reason: "initial" });
      else this.schedule(this.now() + MIN_VALIDITY_MS);
      return false;
    }
    const { data, response } = result;
    if (response.ok && data) {
      this.acceptTokens(data, response, false);
      return true;
    }
    if (response.status >= 500 || response.status === 429) {
      if (this.state.status === "loading") this.setState({ status: "signed_out", reason: "initial" });
      else this.schedule(this.now() + MIN_VALIDITY_MS);
      return false;
    }
    // 401 (expired, revoked, replayed) or 403 (CSRF): the session is over.
    this.signedOut(this.state.status === "loading" ? "initial" : "expired");
    return false;
  }

  /**
   * The fetch every API call goes through: adds the bearer token, refreshes a token about to
   * expire first, and after a 401 refreshes once and retries the request once.
   */
  fetch = async (request: Request): Promise<Response> => {
    if (this.state.status === "loading") await this.init();
    if (this.token !== null && this.expiresWithin(MIN_VALIDITY_MS)) await this.refresh();
    const token = this.token;
    if (token === null) return this.rawFetch(request);

    const retry = request.clone();
    request.headers.set("Authorization", `Bearer ${token}`);
    const response = await this.rawFetch(request);
    if (response.status !== 401) return response;

    // Another request may have refreshed meanwhile; then just retry with the newer token.
    if (this.token === token && !(await this.refresh())) return response;
    const fresh = this.token;
    if (fresh === null) return response;
    retry.headers.set("Authorization", `Bearer ${fresh}`);
    return this.rawFetch(retry);
  };

  private expiresWithin(ms: number): boolean {
    return this.state.status === "signed_in" && this.state.session.expiresAt - this.now() < ms;
  }

  private acceptTokens(body: TokenResponse, response: Response, announce: boolean): void {
    // Measure the lifetime on the server's clock, so a wrong clock here cannot make us refresh late.
    const serverNow = Date.parse(response.headers.get("date") ?? "");
    const expires = Date.parse(body.expires_at);
    const lifetime = Number.isFinite(serverNow) ? expires - serverNow : expires - this.now();
    const expiresAt = this.now() + Math.max(0, lifetime);
    this.token = body.access_token;
    this.setState({
      status: "signed_in",
      session: {
        organizationId: body.organization_id,
        role: body.role,
        expiresAt,
        mfaEnrollmentRequired: body.mfa_enrollment_required,
      },
    });
    this.schedule(expiresAt - REFRESH_AHEAD_MS);
    if (announce) this.channel?.postMessage({ type: "signed_in", organizationId: body.organization_id });
  }

  private schedule(at: number): void {
    clearTimeout(this.timer);
    const delay = Math.max(1_000, at - this.now());
    this.timer = setTimeout(() => void this.refresh(), delay);
  }

  private signedOut(reason: SignedOutReason): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.token = null;
    this.setState({ status: "signed_out", reason });
  }

  private onChannelMessage(message: ChannelMessage): void {
    if (message.type === "signed_out") {
      // Tabs share one session (one refresh cookie): signing out anywhere signs out here too.
      if (this.state.status === "signed_in") this.signedOut("signed_out");
    } else if (
      this.state.status !== "signed_in" ||
      this.state.session.organizationId !== message.organizationId
    ) {
      // Another tab signed in (or switched organisation) and the cookie now names that session.
      void this.refresh();
    }
  }

  private setState(next: AuthState): void {
    this.state = next;
    for (const listener of this.listeners) listener();
  }
}
