import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { renderScreen, stubApi } from "@/test/render";
import { BulkActionDialog } from "./BulkActionDialog";

const ids = ["a0000000-0000-4000-8000-000000000001", "a0000000-0000-4000-8000-000000000002"];
const members = [
  { value: "u0000000-0000-4000-8000-00000000000a", label: "Sam Sales" },
  { value: "u0000000-0000-4000-8000-00000000000b", label: "Mia Marketing" },
];

describe("BulkActionDialog", () => {
  it("changes the owner of the selected rows and hands back the per-row results", async () => {
    const results = [
      { id: ids[0], ok: true, error: null },
      { id: ids[1], ok: false, error: "not found" },
    ];
    const { sent } = stubApi({ "POST /api/v1/contacts/bulk-update": { status: 200, body: { results } } });
    const onDone = vi.fn();
    renderScreen(<BulkActionDialog object="contacts" action="owner" ids={ids} members={members} stages={[]} onClose={vi.fn()} onDone={onDone} />);
    await userEvent.selectOptions(await screen.findByLabelText("New owner"), "Mia Marketing");
    await userEvent.click(screen.getByRole("button", { name: "Apply to 2" }));
    await vi.waitFor(() => expect(onDone).toHaveBeenCalledWith(results, "Owner → Mia Marketing"));
    expect(sent("POST", "/api/v1/contacts/bulk-update")[0]?.body).toEqual({ ids, owner_id: members[1]?.value });
  });

  it("adds tags parsed from a comma-separated list", async () => {
    const { sent } = stubApi({ "POST /api/v1/leads/bulk-update": { status: 200, body: { results: [] } } });
    const onDone = vi.fn();
    renderScreen(<BulkActionDialog object="leads" action="add_tags" ids={ids} members={members} stages={[]} onClose={vi.fn()} onDone={onDone} />);
    await userEvent.type(await screen.findByLabelText("Tags"), " vip, , madrid ,vip");
    await userEvent.click(screen.getByRole("button", { name: "Apply to 2" }));
    await vi.waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(sent("POST", "/api/v1/leads/bulk-update")[0]?.body).toEqual({ ids, add_tags: ["vip", "madrid"] });
  });

  it("asks for a lost reason before marking leads lost, without a request", async () => {
    const { fetchMock } = stubApi({});
    renderScreen(<BulkActionDialog object="leads" action="stage" ids={ids} members={members} stages={[]} onClose={vi.fn()} onDone={vi.fn()} />);
    await userEvent.selectOptions(await screen.findByLabelText("Status"), "Lost");
    await userEvent.click(screen.getByRole("button", { name: "Apply to 2" }));
    await screen.findByText("Say why they were lost.");
    expect(screen.getByLabelText("Lost reason")).toHaveAttribute("aria-invalid", "true");
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("shows a refused owner next to the field", async () => {
    stubApi({
      "POST /api/v1/contacts/bulk-update": { status: 400, body: { error: "invalid_owner", detail: "the owner must be a member of this organisation" } },
    });
    renderScreen(<BulkActionDialog object="contacts" action="owner" ids={ids} members={members} stages={[]} onClose={vi.fn()} onDone={vi.fn()} />);
    await userEvent.selectOptions(await screen.findByLabelText("New owner"), "Sam Sales");
    await userEvent.click(screen.getByRole("button", { name: "Apply to 2" }));
    await screen.findByText("The owner must be a member of this organisation.");
    expect(screen.getByLabelText("New owner")).toHaveAttribute("aria-invalid", "true");
  });
});
