import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { renderScreen, stubApi } from "@/test/render";
import { CustomFieldForm, keyFromLabel, parseOptions } from "./CustomFieldForm";

describe("CustomFieldForm", () => {
  it("derives the key from the label", () => {
    expect(keyFromLabel("Patient number")).toBe("patient_number");
    expect(keyFromLabel("1st visit — Zürich")).toBe("st_visit_zurich");
    expect(parseOptions(" Gold \n\nSilver\n")).toEqual(["Gold", "Silver"]);
  });

  it("creates a select field with its options", async () => {
    const onSaved = vi.fn();
    const created = { id: "f1", object_type: "contact", key: "tier", label: "Tier", field_type: "select", required: true, is_pii: false, options: ["Gold", "Silver"], currency: null, position: 0 };
    const { sent } = stubApi({ "POST /api/v1/custom-fields": { status: 201, body: created } });
    renderScreen(<CustomFieldForm objectType="contact" onCancel={vi.fn()} onSaved={onSaved} />);
    await userEvent.type(await screen.findByLabelText("Label"), "Tier");
    expect(screen.getByLabelText("Key")).toHaveValue("tier");
    await userEvent.selectOptions(screen.getByLabelText("Type"), "select");
    await userEvent.click(screen.getByRole("button", { name: "Create field" }));
    await screen.findByText("Give at least one option.");
    await userEvent.type(screen.getByLabelText("Options"), "Gold{enter}Silver");
    await userEvent.click(screen.getByLabelText("Required"));
    await userEvent.click(screen.getByRole("button", { name: "Create field" }));
    await vi.waitFor(() => expect(onSaved).toHaveBeenCalledWith(created));
    expect(sent("POST", "/api/v1/custom-fields")[0]?.body).toEqual({
      object_type: "contact",
      key: "tier",
      label: "Tier",
      field_type: "select",
      required: true,
      is_pii: false,
      options: ["Gold", "Silver"],
      currency: null,
    });
  });

  it("shows a taken key next to the key field", async () => {
    stubApi({ "POST /api/v1/custom-fields": { status: 409, body: { error: "field_exists", detail: "a contact field with key 'tier' exists" } } });
    renderScreen(<CustomFieldForm objectType="contact" onCancel={vi.fn()} onSaved={vi.fn()} />);
    await userEvent.type(await screen.findByLabelText("Label"), "Tier");
    await userEvent.click(screen.getByRole("button", { name: "Create field" }));
    await screen.findByText("A contact field with key 'tier' exists.");
    expect(screen.getByLabelText("Key")).toHaveAttribute("aria-invalid", "true");
  });
});
