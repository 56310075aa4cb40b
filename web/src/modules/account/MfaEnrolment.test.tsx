import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { renderScreen, stubApi } from "@/test/render";
import { groupSecret, MfaEnrolment, RecoveryCodes } from "./MfaEnrolment";

const setup = {
  secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
  otpauth_uri: "otpauth://totp/CliniGlobal%20CRM:ada%40clinic.example?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
  qr_svg_data_uri: "data:image/svg+xml;charset=utf-8,%3Csvg%20xmlns%3D%22http%3A//www.w3.org/2000/svg%22/%3E",
};
const codes = ["1A2B3-C4D5E", "F6A7B-8C9D0", "11111-22222", "33333-44444", "55555-66666", "77777-88888", "99999-AAAAA", "BBBBB-CCCCC", "DDDDD-EEEEE", "FFFFF-00000"];

describe("MfaEnrolment", () => {
  it("shows the QR code as an image and the key, then enables MFA with a first code", async () => {
    const onEnabled = vi.fn();
    const { sent } = stubApi({
      "POST /api/v1/auth/mfa/totp/setup": { status: 200, body: setup },
      "POST /api/v1/auth/mfa/totp/enable": [
        { status: 400, body: { error: "invalid_mfa_code", detail: "that code is not valid; check your authenticator's clock" } },
        { status: 200, body: { recovery_codes: codes } },
      ],
    });
    renderScreen(<MfaEnrolment onEnabled={onEnabled} />);

    const qr = await screen.findByRole("img", { name: /QR code/ });
    expect(qr).toHaveAttribute("src", setup.qr_svg_data_uri);
    expect(screen.getByText(groupSecret(setup.secret))).toBeInTheDocument();
    expect(sent("POST", "/api/v1/auth/mfa/totp/setup")).toHaveLength(1);

    const code = screen.getByLabelText("Authentication code");
    await userEvent.type(code, "111111");
    await userEvent.click(screen.getByRole("button", { name: "Turn on MFA" }));
    await screen.findByText("That code is not valid; check your authenticator's clock.");
    expect(code).toHaveAttribute("aria-invalid", "true");

    await userEvent.clear(code);
    await userEvent.type(code, "222222");
    await userEvent.click(screen.getByRole("button", { name: "Turn on MFA" }));
    await vi.waitFor(() => expect(onEnabled).toHaveBeenCalledWith(codes));
    expect(sent("POST", "/api/v1/auth/mfa/totp/enable").map((r) => r.body)).toEqual([{ code: "111111" }, { code: "222222" }]);
  });

  it("shows the setup error with a way to retry", async () => {
    stubApi({
      "POST /api/v1/auth/mfa/totp/setup": [
        { status: 409, body: { error: "mfa_already_enabled", detail: "MFA is already enabled; disable it first" } },
        { status: 200, body: setup },
      ],
    });
    renderScreen(<MfaEnrolment onEnabled={vi.fn()} />);
    expect(await screen.findByRole("alert")).toHaveTextContent("MFA is already enabled; disable it first.");
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("img", { name: /QR code/ })).toBeInTheDocument();
  });
});

describe("RecoveryCodes", () => {
  it("lists the ten codes once and continues on request", async () => {
    const onDone = vi.fn();
    renderScreen(<RecoveryCodes codes={codes} onDone={onDone} />);
    const list = await screen.findByRole("list", { name: "Recovery codes" });
    expect(list.querySelectorAll("li")).toHaveLength(10);
    expect(screen.getByText("Save these recovery codes now")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Done" }));
    expect(onDone).toHaveBeenCalledOnce();
  });
});
