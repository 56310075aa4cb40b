import { zodResolver } from "@hookform/resolvers/zod";
import { useQueryClient } from "@tanstack/react-query";
import { useForm, useWatch } from "react-hook-form";
import { Card } from "@/components/ui/Card";
import { Field } from "@/components/ui/Field";
import { FormError } from "@/components/ui/FormError";
import { controlClass } from "@/components/ui/Input";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { Tabs } from "@/components/ui/Tabs";
import { TextField } from "@/components/ui/TextField";
import { cn } from "@/lib/cn";
import { applyApiError } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { COMPOSER_KINDS, composerSchema, emptyComposer, toActivity, type ComposerKind, type ComposerValues } from "./composer";
import { activityLink, createActivity } from "./mutations";
import { recordKeys } from "./queries";
import type { RecordObject } from "./types";

const TAB_LABELS: Record<ComposerKind, string> = { note: "Note", call: "Log call", meeting: "Meeting", task: "Task" };
const DONE: Record<ComposerKind, string> = { note: "Note added.", call: "Call logged.", meeting: "Meeting logged.", task: "Task created." };

/** Log a note, call or meeting on the record, or plan a task with a due date and a reminder. */
export function ActivityComposer({ object, id }: { object: RecordObject; id: string }) {
  const queryClient = useQueryClient();
  const form = useForm<ComposerValues>({ resolver: zodResolver(composerSchema), defaultValues: emptyComposer("note") });
  const { errors, isSubmitting } = form.formState;
  const kind = useWatch({ control: form.control, name: "kind" });

  const switchTo = (next: ComposerKind) => {
    const { subject, body } = form.getValues();
    // Keep what was typed when switching between kinds; the rest starts fresh.
    form.reset({ ...emptyComposer(next), subject, body });
  };

  const submit = form.handleSubmit(async (values) => {
    try {
      await createActivity(toActivity(values, activityLink(object, id)));
      form.reset(emptyComposer(values.kind));
      toast(DONE[values.kind]);
      await queryClient.invalidateQueries({ queryKey: recordKeys.timeline(object, id) });
    } catch (error) {
      applyApiError(error, form.setError, {}, ["subject", "body", "due_at", "reminder_at"]);
    }
  });

  return (
    <Card className="overflow-hidden" aria-label="Add an activity">
      <Tabs label="Activity type" idBase="composer" tabs={COMPOSER_KINDS.map((value) => ({ value, label: TAB_LABELS[value] }))} value={kind} onChange={switchTo} />
      <form
        id="composer-panel"
        role="tabpanel"
        aria-labelledby={`composer-tab-${kind}`}
        noValidate
        onSubmit={(event) => void submit(event)}
        className="flex flex-col gap-3 px-4 py-4 sm:px-5"
      >
        <FormError message={errors.root?.server?.message} />
        {kind !== "note" && (
          <TextField
            label={kind === "task" ? "What needs doing" : "Subject"}
            placeholder={kind === "call" ? "e.g. Follow-up on the implant quote" : kind === "meeting" ? "e.g. Clinic visit" : "e.g. Send the revised quote"}
            error={errors.subject?.message}
            {...form.register("subject")}
          />
        )}
        <Field label={kind === "note" ? "Note" : kind === "task" ? "Details (optional)" : "Notes"} error={errors.body?.message}>
          {(control) => (
            <textarea
              {...control}
              rows={kind === "note" ? 3 : 2}
              placeholder={kind === "note" ? "Write a note…" : undefined}
              className={cn(controlClass, "w-full resize-y px-3 py-2")}
              {...form.register("body")}
            />
          )}
        </Field>
        {(kind === "call" || kind === "meeting") && (
          <div className="grid gap-3 sm:grid-cols-2">
            <TextField label="When" type="datetime-local" error={errors.occurred_at?.message} {...form.register("occurred_at")} />
            <TextField label="Duration (minutes)" inputMode="numeric" error={errors.duration?.message} {...form.register("duration")} />
          </div>
        )}
        {kind === "task" && (
          <div className="grid gap-3 sm:grid-cols-2">
            <TextField label="Due" type="datetime-local" error={errors.due_at?.message} {...form.register("due_at")} />
            <TextField label="Reminder (optional)" type="datetime-local" hint="You get a notification then." error={errors.reminder_at?.message} {...form.register("reminder_at")} />
          </div>
        )}
        <div className="flex justify-end">
          <SubmitButton pending={isSubmitting} className="">{kind === "task" ? "Create task" : kind === "note" ? "Add note" : `Log ${kind}`}</SubmitButton>
        </div>
      </form>
    </Card>
  );
}
