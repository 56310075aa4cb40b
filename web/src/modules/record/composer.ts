import { z } from "zod";
import type { ActivityCreate } from "./mutations";

export const COMPOSER_KINDS = ["note", "call", "meeting", "task"] as const;
export type ComposerKind = (typeof COMPOSER_KINDS)[number];

/** `<input type="datetime-local">` speaks local wall time without a zone: "2026-03-10T14:30". */
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function localToIso(value: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

export const composerSchema = z
  .object({
    kind: z.enum(COMPOSER_KINDS),
    subject: z.string().trim().max(300, "Use at most 300 characters."),
    body: z.string().max(20_000, "Use at most 20,000 characters."),
    occurred_at: z.string(),
    duration: z.string().regex(/^\d*$/, "Minutes as a whole number."),
    due_at: z.string(),
    reminder_at: z.string(),
  })
  .superRefine((values, ctx) => {
    if (values.kind === "note" && values.body.trim() === "") ctx.addIssue({ code: "custom", path: ["body"], message: "Write the note." });
    if ((values.kind === "meeting" || values.kind === "task") && values.subject === "")
      ctx.addIssue({ code: "custom", path: ["subject"], message: values.kind === "task" ? "Say what needs doing." : "Give the meeting a title." });
    if (values.kind === "call" && values.subject === "" && values.body.trim() === "")
      ctx.addIssue({ code: "custom", path: ["body"], message: "Write what the call was about." });
    if (values.duration !== "" && Number(values.duration) > 10_080) ctx.addIssue({ code: "custom", path: ["duration"], message: "At most a week (10,080 minutes)." });
    if (values.kind === "task") {
      if (!values.due_at) ctx.addIssue({ code: "custom", path: ["due_at"], message: "Choose when it is due." });
      if (values.reminder_at && values.due_at && new Date(values.reminder_at) > new Date(values.due_at))
        ctx.addIssue({ code: "custom", path: ["reminder_at"], message: "The reminder must come before the due date." });
    }
  });

export type ComposerValues = z.infer<typeof composerSchema>;

export function emptyComposer(kind: ComposerKind, now: Date = new Date()): ComposerValues {
  return { kind, subject: "", body: "", occurred_at: toLocalInput(now), duration: "", due_at: "", reminder_at: "" };
}

/** The activity to create from the composer's values, linked to the record. */
export function toActivity(values: ComposerValues, link: Pick<ActivityCreate, "contact_id" | "company_id" | "lead_id" | "deal_id">): ActivityCreate {
  const base: ActivityCreate = {
    ...link,
    kind: values.kind,
    completed: values.kind !== "task",
    subject: values.subject || null,
    body: values.body.trim() ? values.body : null,
  };
  if (values.kind === "task") {
    return { ...base, completed: false, due_at: localToIso(values.due_at), reminder_at: localToIso(values.reminder_at) };
  }
  return {
    ...base,
    // A note, call or meeting is logged after the fact: it is done.
    completed: true,
    occurred_at: localToIso(values.occurred_at),
    duration_minutes: values.kind !== "note" && values.duration !== "" ? Number(values.duration) : null,
  };
}
