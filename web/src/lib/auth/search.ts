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
