import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { renderScreen, stubApi } from "@/test/render";
import { NotificationBell } from "./NotificationBell";

const note = (id: string, title: string, read: boolean) => ({
  id,
  kind: "reminder",
  title,
  body: "Call back about the renewal",
  entity: "deal",
  entity_id: `00000000-0000-4000-8000-00000000000${id}`,
  created_at: new Date().toISOString(),
  read_at: read ? new Date().toISOString() : null,
});

describe("NotificationBell", () => {
  it("shows the unread count, lists notifications and marks them all read", async () => {
    stubApi({
      "GET /api/v1/notifications": {
        status: 200,
        body: { items: [note("1", "Task due: call Dr. Ruiz", false), note("2", "Deal assigned to you", true)], next_cursor: null, unread_count: 1 },
      },
    });
    renderScreen(<NotificationBell />);
    const bell = await screen.findByRole("button", { name: "Notifications, 1 unread" }, { timeout: 5_000 });
    await userEvent.click(bell);
    expect(await screen.findByText("Task due: call Dr. Ruiz")).toBeInTheDocument();
    expect(screen.getByText("(unread)")).toBeInTheDocument();
    // From here on the server has them all read.
    const { sent } = stubApi({
      "GET /api/v1/notifications": {
        status: 200,
        body: { items: [note("1", "Task due: call Dr. Ruiz", true), note("2", "Deal assigned to you", true)], next_cursor: null, unread_count: 0 },
      },
      "POST /api/v1/notifications/read-all": { status: 200, body: { updated: 1 } },
    });
    await userEvent.click(screen.getByRole("button", { name: "Mark all read" }));
    await vi.waitFor(() => expect(sent("POST", "/api/v1/notifications/read-all")).toHaveLength(1));
    expect(await screen.findByRole("button", { name: "Notifications" })).toBeInTheDocument();
    expect(screen.queryByText("(unread)")).not.toBeInTheDocument();
  }, 15_000);

  it("says when there is nothing", async () => {
    stubApi({ "GET /api/v1/notifications": { status: 200, body: { items: [], next_cursor: null, unread_count: 0 } } });
    renderScreen(<NotificationBell />);
    await userEvent.click(await screen.findByRole("button", { name: "Notifications" }));
    expect(await screen.findByText(/Nothing new/)).toBeInTheDocument();
  });
});
