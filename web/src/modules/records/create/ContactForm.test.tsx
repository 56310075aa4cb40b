import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { renderScreen, stubApi } from "@/test/render";
import { ContactForm } from "./ContactForm";

const definitions = [
  { id: "d1", object_type: "contact", key: "visits", label: "Visits", field_type: "number", required: true, is_pii: false, options: null, currency: null, position: 0 },
];

function stubCompanies() {
  return { "GET /api/v1/companies": { status: 200, body: { items: [], next_cursor: null } } } as const;
}

describe("ContactForm", () => {
  it("sends typed custom fields and reports the created name", async () => {
    const onCreated = vi.fn();
    const { sent } = stubApi({
      ...stubCompanies(),
      "POST /api/v1/contacts": { status: 201, body: { id: "c1", first_name: "Ada", last_name: "Lovelace" } },
    });
    renderScreen(<ContactForm members={[]} definitions={definitions} onCancel={vi.fn()} onCreated={onCreated} />);
    await userEvent.type(await screen.findByLabelText("First name"), "Ada");
    await userEvent.type(screen.getByLabelText("Last name"), "Lovelace");
    await userEvent.click(screen.getByRole("button", { name: "Create contact" }));
    await screen.findByText("This field is required.");
    await userEvent.type(screen.getByLabelText("Visits *"), "3");
    await userEvent.click(screen.getByRole("button", { name: "Create contact" }));
    await vi.waitFor(() => expect(onCreated).toHaveBeenCalledWith("Ada Lovelace"));
    const body = sent("POST", "/api/v1/contacts")[0]?.body as Record<string, unknown>;
    expect(body.custom_fields).toEqual({ visits: 3 });
    expect(body.first_name).toBe("Ada");
  });

  it("puts a duplicate e-mail next to the field and offers to create anyway", async () => {
    const { sent } = stubApi({
      ...stubCompanies(),
      "POST /api/v1/contacts": [
        { status: 409, body: { error: "duplicate", detail: "another contact has this email: 7f1c2a9e-1111-4222-8333-944455556666" } },
        { status: 201, body: { id: "c2", first_name: "Ada", last_name: "Byron" } },
      ],
    });
    const onCreated = vi.fn();
    renderScreen(<ContactForm members={[]} definitions={[]} onCancel={vi.fn()} onCreated={onCreated} />);
    await userEvent.type(await screen.findByLabelText("Last name"), "Byron");
    await userEvent.type(screen.getByLabelText("E-mail"), "ada@clinic.example");
    await userEvent.click(screen.getByRole("button", { name: "Create contact" }));
    await screen.findByText("Another contact has this e-mail address.");
    expect(screen.getByLabelText("E-mail")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByRole("link", { name: "Open the existing contact" })).toHaveAttribute("href", "/contacts/7f1c2a9e-1111-4222-8333-944455556666");
    await userEvent.click(screen.getByLabelText("Create a separate contact anyway"));
    await userEvent.click(screen.getByRole("button", { name: "Create contact" }));
    await vi.waitFor(() => expect(onCreated).toHaveBeenCalled());
    expect(sent("POST", "/api/v1/contacts")[1]?.url.searchParams.get("allow_duplicate")).toBe("true");
  });
});
