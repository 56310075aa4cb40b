import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { renderScreen, stubApi, tokenReply } from "@/test/render";
import { SignInPage } from "./SignInPage";

const wrongPassword = { status: 401, body: { error: "invalid_credentials", detail: "e-mail or password is wrong" } };
const mfaRequired = { status: 200, body: { status: "mfa_required", mfa_token: "mfa-token-123456" } };

async function submitPassword(email = "ada@clinic.example", password = "correct horse battery") {
  await userEvent.type(await screen.findByLabelText("E-mail"), email);
  await userEvent.type(screen.getByLabelText("Password"), password);
  await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("SignInPage", () => {
  it("checks the fields before calling the server", async () => {
    const { fetchMock } = stubApi({});
    renderScreen(<SignInPage onSignedIn={vi.fn()} />);
    await userEvent.click(await screen.findByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("Enter your e-mail address.")).toBeInTheDocument();
    expect(screen.getByText("Enter your password.")).toBeInTheDocument();
    expect(screen.getByLabelText("E-mail")).toHaveAttribute("aria-invalid", "true");
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("shows the server's answer to a wrong password at the form level", async () => {
    const onSignedIn = vi.fn();
    const { sent } = stubApi({ "POST /api/v1/auth/sign-in": wrongPassword });
    renderScreen(<SignInPage onSignedIn={onSignedIn} />);
    await submitPassword();
    expect(await screen.findByRole("alert")).toHaveTextContent("E-mail or password is wrong.");
    expect(sent("POST", "/api/v1/auth/sign-in")[0]?.body).toEqual({
      email: "ada@clinic.example",
      password: "correct horse battery",
    });
    expect(onSignedIn).not.toHaveBeenCalled();
  });

  it("signs in directly when the account has no MFA", async () => {
    const onSignedIn = vi.fn();
    stubApi({ "POST /api/v1/auth/sign-in": tokenReply() });
    renderScreen(<SignInPage onSignedIn={onSignedIn} />);
    await submitPassword();
    await vi.waitFor(() => expect(onSignedIn).toHaveBeenCalledOnce());
  });

  it("asks for the TOTP code when MFA is on, and verifies it with the mfa token", async () => {
    const onSignedIn = vi.fn();
    const { sent } = stubApi({
      "POST /api/v1/auth/sign-in": mfaRequired,
      "POST /api/v1/auth/mfa/verify": [
        { status: 401, body: { error: "invalid_mfa_code", detail: "that code is not valid" } },
        tokenReply(),
      ],
    });
    renderScreen(<SignInPage onSignedIn={onSignedIn} />);
    await submitPassword();

    expect(await screen.findByRole("heading", { name: "Two-step verification" })).toBeInTheDocument();
    const code = screen.getByLabelText("Authentication code");
    await userEvent.type(code, "12345");
    await userEvent.click(screen.getByRole("button", { name: "Verify" }));
    expect(await screen.findByText("Enter the 6-digit code from your authenticator app.")).toBeInTheDocument();

    await userEvent.clear(code);
    await userEvent.type(code, "123 456");
    await userEvent.click(screen.getByRole("button", { name: "Verify" }));
    // The server's refusal shows next to the code field, not as a generic error.
    const error = await screen.findByText("That code is not valid.");
    expect(code).toHaveAttribute("aria-invalid", "true");
    expect(code.getAttribute("aria-describedby")).toContain(error.id);
    expect(sent("POST", "/api/v1/auth/mfa/verify")[0]?.body).toEqual({ mfa_token: "mfa-token-123456", code: "123456" });

    await userEvent.clear(code);
    await userEvent.type(code, "654321");
    await userEvent.click(screen.getByRole("button", { name: "Verify" }));
    await vi.waitFor(() => expect(onSignedIn).toHaveBeenCalledOnce());
  });

  it("accepts a recovery code instead", async () => {
    const onSignedIn = vi.fn();
    const { sent } = stubApi({ "POST /api/v1/auth/sign-in": mfaRequired, "POST /api/v1/auth/mfa/verify": tokenReply() });
    renderScreen(<SignInPage onSignedIn={onSignedIn} />);
    await submitPassword();
    await userEvent.click(await screen.findByRole("button", { name: "Use a recovery code instead" }));
    await userEvent.type(screen.getByLabelText("Recovery code"), "9f3a1-c07be");
    await userEvent.click(screen.getByRole("button", { name: "Verify" }));
    await vi.waitFor(() => expect(onSignedIn).toHaveBeenCalledOnce());
    expect(sent("POST", "/api/v1/auth/mfa/verify")[0]?.body).toEqual({ mfa_token: "mfa-token-123456", code: "9f3a1-c07be" });
  });

  it("starts over when the MFA step expired", async () => {
    stubApi({
      "POST /api/v1/auth/sign-in": mfaRequired,
      "POST /api/v1/auth/mfa/verify": {
        status: 401,
        body: { error: "invalid_mfa_token", detail: "the sign-in step expired; start again" },
      },
    });
    renderScreen(<SignInPage onSignedIn={vi.fn()} />);
    await submitPassword();
    await userEvent.type(await screen.findByLabelText("Authentication code"), "123456");
    await userEvent.click(screen.getByRole("button", { name: "Verify" }));
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    expect(within(screen.getByRole("status")).getByText("The sign-in step expired. Sign in again.")).toBeInTheDocument();
  });
});
