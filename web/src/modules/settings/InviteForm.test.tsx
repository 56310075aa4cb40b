import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { renderScreen, stubApi } from "@/test/render";
import { InviteForm } from "./InvitationsPage";

const invitation = {
  id: "5b0d3f0e-8f63-4a4a-9d55-2b1b5c9b2f11",
  email: "nina@clinic.example",
  role: "marketing",
  created_at: "2026-11-27T12:00:00Z",
  expires_at: "2026-12-04T12:00:00Z",
};

describe("InviteForm", () => {
  it("invites with the chosen role and clears the address", async () => {
    const onInvited = vi.fn(() => Promise.resolve());
    const { sent } = stubApi({ "POST /api/v1/invitations": { status: 201, body: invitation } });
    renderScreen(<InviteForm onInvited={onInvited} />);
    const email = await screen.findByLabelText("E-mail");
    await userEvent.type(email, "Nina@Clinic.example");
    await userEvent.selectOptions(screen.getByLabelText("Role"), "marketing");
    await userEvent.click(screen.getByRole("button", { name: "Send invitation" }));
    await vi.waitFor(() => expect(onInvited).toHaveBeenCalledWith("nina@clinic.example"));
    expect(sent("POST", "/api/v1/invitations")[0]?.body).toEqual({ email: "Nina@Clinic.example", role: "marketing" });
    expect(email).toHaveValue("");
    expect(screen.getByLabelText("Role")).toHaveValue("marketing");
  });

  it("shows 'already a member' next to the e-mail field", async () => {
    const onInvited = vi.fn(() => Promise.resolve());
    stubApi({ "POST /api/v1/invitations": { status: 409, body: { error: "already_member", detail: "this person is already a member" } } });
    renderScreen(<InviteForm onInvited={onInvited} />);
    await userEvent.type(await screen.findByLabelText("E-mail"), "sam@clinic.example");
    await userEvent.click(screen.getByRole("button", { name: "Send invitation" }));
    await screen.findByText("This person is already a member.");
    expect(screen.getByLabelText("E-mail")).toHaveAttribute("aria-invalid", "true");
    expect(onInvited).not.toHaveBeenCalled();
  });

  it("rejects a malformed address without a request", async () => {
    const { fetchMock } = stubApi({});
    renderScreen(<InviteForm onInvited={vi.fn()} />);
    await userEvent.type(await screen.findByLabelText("E-mail"), "not-an-address");
    await userEvent.click(screen.getByRole("button", { name: "Send invitation" }));
    await screen.findByText("Enter a valid e-mail address.");
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
