import { describe, expect, it } from "vitest";
import { composerSchema, emptyComposer, toActivity } from "./composer";

describe("composer", () => {
  it("requires a body for a note and a subject and due date for a task", () => {
    const note = composerSchema.safeParse(emptyComposer("note"));
    expect(note.success).toBe(false);
    expect(note.error?.issues.map((i) => i.path.join("."))).toEqual(["body"]);

    const task = composerSchema.safeParse(emptyComposer("task"));
    expect(task.error?.issues.map((i) => i.path.join(".")).sort()).toEqual(["due_at", "subject"]);
  });

  it("refuses a reminder after the due date", () => {
    const values = { ...emptyComposer("task"), subject: "Send quote", due_at: "2026-03-10T09:00", reminder_at: "2026-03-11T09:00" };
    expect(composerSchema.safeParse(values).error?.issues[0]?.path).toEqual(["reminder_at"]);
  });

  it("builds an open task with its due date and reminder, linked to the record", () => {
    const values = { ...emptyComposer("task"), subject: "Send quote", due_at: "2026-03-10T09:00", reminder_at: "2026-03-10T08:30" };
    const activity = toActivity(composerSchema.parse(values), { contact_id: "c1" });
    expect(activity).toMatchObject({ kind: "task", contact_id: "c1", subject: "Send quote", completed: false, body: null });
    expect(activity.due_at).toBe(new Date("2026-03-10T09:00").toISOString());
    expect(activity.reminder_at).toBe(new Date("2026-03-10T08:30").toISOString());
  });

  it("logs a call as done with its duration", () => {
    const values = { ...emptyComposer("call", new Date(2026, 2, 10, 14, 0)), body: "Discussed pricing", duration: "15" };
    const activity = toActivity(composerSchema.parse(values), { deal_id: "d1" });
    expect(activity).toMatchObject({ kind: "call", deal_id: "d1", completed: true, duration_minutes: 15, body: "Discussed pricing" });
    expect(activity.occurred_at).toBe(new Date(2026, 2, 10, 14, 0).toISOString());
  });
});
