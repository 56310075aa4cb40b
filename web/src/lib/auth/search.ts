/** Search params of the sign-in pages: where to go afterwards. */
export type RedirectSearch = { redirect?: string };

export function validateRedirectSearch(search: Record<string, unknown>): RedirectSearch {
  return typeof search.redirect === "string" ? { redirect: search.redirect } : {};
}

/** Search params of pages opened from an e-mailed link. */
export type TokenSearch = { token?: string };

export function validateTokenSearch(search: Record<string, unknown>): TokenSearch {
  return typeof search.token === "string" && search.token !== "" ? { token: search.token } : {};
}

/** /sign-in: where to go afterwards, the reason an SSO sign-in failed, the organisation for SSO. */
export type SignInSearch = RedirectSearch & { sso_error?: string; org?: string };

export function validateSignInSearch(search: Record<string, unknown>): SignInSearch {
  return {
    ...validateRedirectSearch(search),
    ...(typeof search.sso_error === "string" && search.sso_error !== "" ? { sso_error: search.sso_error } : {}),
    ...(typeof search.org === "string" && search.org !== "" ? { org: search.org } : {}),
  };
}

/**
 * The MFA continuation of an SSO sign-in: the backend sends the browser to
 * `/sign-in#mfa_token=…` (a fragment, so the token never reaches a server log).
 */
export function mfaTokenFromHash(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, "")).get("mfa_token");
  return token !== null && token !== "" ? token : null;
}
