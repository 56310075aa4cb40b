import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { mfaTokenFromHash, validateSignInSearch } from "@/lib/auth/search";
import { renderScreen, stubApi } from "@/test/render";
import { SignInPage } from "./SignInPage";

describe("sign-in after single sign-on", () => {
  it("reads the SSO search parameters and the MFA continuation fragment", () => {
    expect(validateSignInSearch({ sso_error: "domain_not_verified", org: "demo", redirect: "/x", junk: 1 })).toEqual({
      sso_error: "domain_not_verified",
      org: "demo",
      redirect: "/x",
    });
    expect(mfaTokenFromHash("#mfa_token=abc.def")).toBe("abc.def");
    expect(mfaTokenFromHash("#other=1")).toBeNull();
    expect(mfaTokenFromHash("")).toBeNull();
  });

  it("explains a failed SSO and offers the organisation's providers", async () => {
    stubApi({
      "GET /api/v1/auth/oidc/demo/providers": {
        status: 200,
        body: { items: [{ id: "p1", kind: "google", name: "Google", start_url: "/api/v1/auth/oidc/demo/p1/start" }] },
      },
    });
    renderScreen(<SignInPage onSignedIn={vi.fn()} ssoError="domain_not_verified" organization="demo" />);
    expect(await screen.findByRole("alert")).toHaveTextContent(/domain is not verified/);
    const google = await screen.findByRole("link", { name: "Continue with Google" });
    expect(google.getAttribute("href")).toMatch(/\/api\/v1\/auth\/oidc\/demo\/p1\/start$/);
  });

  it("continues an SSO sign-in that needs the TOTP code from #mfa_token", async () => {
    history.replaceState(null, "", "/sign-in#mfa_token=sso-mfa-token");
    const onSignedIn = vi.fn();
    const { sent } = stubApi({
      "POST /api/v1/auth/mfa/verify": {
        status: 200,
        body: {
          status: "signed_in",
          access_token: "t",
          token_type: "Bearer",
          expires_at: new Date(Date.now() + 900_000).toISOString(),
          organization_id: "00000000-0000-4000-8000-000000000001",
          role: "sales",
          mfa_enrollment_required: false,
        },
      },
    });
    renderScreen(<SignInPage onSignedIn={onSignedIn} />);
    expect(await screen.findByRole("heading", { name: "Two-step verification" })).toBeInTheDocument();
    expect(location.hash).toBe("");
    await userEvent.type(screen.getByLabelText("Authentication code"), "123456");
    await userEvent.click(screen.getByRole("button", { name: "Verify" }));
    await vi.waitFor(() => expect(onSignedIn).toHaveBeenCalled());
    expect(sent("POST", "/api/v1/auth/mfa/verify")[0]?.body).toEqual({ mfa_token: "sso-mfa-token", code: "123456" });
  }, 15_000);
});
