import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { renderScreen, stubApi, tokenReply } from "@/test/render";
import { SignUpPage } from "./SignUpPage";

async function fill(password = "Copper-meadow-violin-77") {
  await userEvent.type(await screen.findByLabelText("Organisation name"), "Harbour Clinics");
  await userEvent.type(screen.getByLabelText("Your name"), "Olga Owner");
  await userEvent.type(screen.getByLabelText("Work e-mail"), "olga@harbour.example");
  await userEvent.type(screen.getByLabelText("Password"), password);
  await userEvent.click(screen.getByRole("button", { name: "Create organisation" }));
}

describe("SignUpPage", () => {
  it("enforces the password length before calling the server", async () => {
    const { fetchMock } = stubApi({});
    renderScreen(<SignUpPage onSignedUp={vi.fn()} />);
    await fill("short");
    expect(await screen.findByText("Use at least 12 characters.")).toBeInTheDocument();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("puts the server's password verdict next to the password field", async () => {
    stubApi({
      "POST /api/v1/auth/sign-up": { status: 400, body: { error: "weak_password", detail: "this password is too common; choose another" } },
    });
    renderScreen(<SignUpPage onSignedUp={vi.fn()} />);
    await fill("password1234");
    const message = await screen.findByText("This password is too common; choose another.");
    const password = screen.getByLabelText("Password");
    expect(password).toHaveAttribute("aria-invalid", "true");
    expect(password.getAttribute("aria-describedby")).toContain(message.id);
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("puts a taken e-mail next to the e-mail field", async () => {
    stubApi({ "POST /api/v1/auth/sign-up": { status: 409, body: { error: "email_taken", detail: "a user with this e-mail exists" } } });
    renderScreen(<SignUpPage onSignedUp={vi.fn()} />);
    await fill();
    await screen.findByText("A user with this e-mail exists.");
    expect(screen.getByLabelText("Work e-mail")).toHaveAttribute("aria-invalid", "true");
  });

  it("maps 422 validation issues to their fields", async () => {
    stubApi({
      "POST /api/v1/auth/sign-up": {
        status: 422,
        body: { detail: [{ loc: ["body", "full_name"], msg: "String should have at most 200 characters", type: "string_too_long" }] },
      },
    });
    renderScreen(<SignUpPage onSignedUp={vi.fn()} />);
    await fill();
    await screen.findByText("String should have at most 200 characters.");
    expect(screen.getByLabelText("Your name")).toHaveAttribute("aria-invalid", "true");
  });

  it("creates the organisation and signs in", async () => {
    const onSignedUp = vi.fn();
    const { sent } = stubApi({ "POST /api/v1/auth/sign-up": tokenReply({}, 201) });
    renderScreen(<SignUpPage onSignedUp={onSignedUp} />);
    await fill();
    await vi.waitFor(() => expect(onSignedUp).toHaveBeenCalledOnce());
    expect(sent("POST", "/api/v1/auth/sign-up")[0]?.body).toEqual({
      organization_name: "Harbour Clinics",
      full_name: "Olga Owner",
      email: "olga@harbour.example",
      password: "Copper-meadow-violin-77",
    });
  });
});
