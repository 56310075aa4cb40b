/**
 * A post-sign-in destination taken from the URL, kept only when it is a path on this site
 * (never `//host` or `https://…`, which would make the sign-in page an open redirect).
 */
export function safeRedirect(value: unknown, fallback = "/"): string {
  if (typeof value !== "string" || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) {
    return fallback;
  }
  return value;
}
