import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "@/lib/api/ApiError";
import { emailText } from "./fields";
import { InlineField } from "./InlineField";
import { isConflict } from "./mutations";

describe("InlineField", () => {
  it("saves the new value on Enter and closes", async () => {
    const onSave = vi.fn().mockResolvedValue(undefined);
    render(<dl><InlineField label="Job title" value="Nurse" display="Nurse" onSave={onSave} /></dl>);
    await userEvent.click(screen.getByRole("button", { name: "Edit Job title" }));
    const input = screen.getByRole("textbox", { name: "Job title" });
    await userEvent.clear(input);
    await userEvent.type(input, "Head nurse{Enter}");
    expect(onSave).toHaveBeenCalledWith("Head nurse");
    expect(await screen.findByRole("button", { name: "Edit Job title" })).toBeInTheDocument();
  });

  it("keeps the editor open with the API's message next to the field when saving fails", async () => {
    const conflict = new ApiError({ status: 412, code: "version_conflict", detail: "Someone else changed this contact since you opened it." });
    const onSave = vi.fn().mockRejectedValue(conflict);
    render(<dl><InlineField label="Job title" value="Nurse" display="Nurse" onSave={onSave} /></dl>);
    await userEvent.click(screen.getByRole("button", { name: "Edit Job title" }));
    await userEvent.type(screen.getByRole("textbox", { name: "Job title" }), "!{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent("Someone else changed this contact since you opened it.");
    expect(screen.getByRole("textbox", { name: "Job title" })).toHaveValue("Nurse!");
  });

  it("validates before sending and cancels with Escape", async () => {
    const onSave = vi.fn();
    render(<dl><InlineField label="E-mail" type="email" value="" display="—" schema={emailText} onSave={onSave} /></dl>);
    await userEvent.click(screen.getByRole("button", { name: "Edit E-mail" }));
    await userEvent.type(screen.getByRole("textbox", { name: "E-mail" }), "not-an-email{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent("Enter an e-mail address");
    expect(onSave).not.toHaveBeenCalled();
    await userEvent.keyboard("{Escape}");
    expect(screen.getByRole("button", { name: "Edit E-mail" })).toBeInTheDocument();
  });

  it("does not send an unchanged value", async () => {
    const onSave = vi.fn();
    render(<dl><InlineField label="Job title" value="Nurse" display="Nurse" onSave={onSave} /></dl>);
    await userEvent.click(screen.getByRole("button", { name: "Edit Job title" }));
    await userEvent.keyboard("{Enter}");
    expect(onSave).not.toHaveBeenCalled();
  });
});

describe("isConflict", () => {
  it("treats a stale version as a conflict, a bad If-Match or another 409 not", () => {
    expect(isConflict(new ApiError({ status: 412, code: "version_conflict", detail: "" }))).toBe(true);
    expect(isConflict(new ApiError({ status: 412, code: "invalid_if_match", detail: "" }))).toBe(false);
    expect(isConflict(new ApiError({ status: 409, code: "already_converted", detail: "" }))).toBe(false);
  });
});
