/** What went wrong with a single sign-on, from the `sso_error` reason the backend redirects with. */
const messages: Record<string, string> = {
  account_not_allowed: "Your account at the identity provider is not a member of this organisation. Ask an admin to invite you.",
  domain_not_verified: "Your e-mail's domain is not verified by this organisation, so single sign-on cannot match your account.",
  email_missing: "The identity provider did not share an e-mail address.",
  email_not_verified: "The identity provider has not verified your e-mail address.",
  tenant_not_allowed: "Your directory (tenant) is not allowed to sign in to this organisation.",
  provider_error: "The identity provider refused the sign-in.",
  provider_unavailable: "The identity provider could not be reached. Try again in a moment.",
  invalid_state: "The sign-in took too long or was opened in another browser. Start again.",
  rate_limited: "Too many sign-in attempts. Wait a few minutes and try again.",
};

export function ssoErrorMessage(reason: string): string {
  return messages[reason] ?? "Single sign-on did not complete. Start again, or sign in with your password.";
}
