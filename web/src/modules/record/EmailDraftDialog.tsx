import { zodResolver } from "@hookform/resolvers/zod";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import type { components } from "@/client/schema";
import { Alert } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { CopyButton } from "@/components/ui/CopyButton";
import { Dialog } from "@/components/ui/Dialog";
import { Field } from "@/components/ui/Field";
import { FormError } from "@/components/ui/FormError";
import { Select } from "@/components/ui/Select";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import { applyApiError } from "@/lib/forms/apiErrors";
import { humanize } from "@/modules/records/format";
import { emailTemplatesQueryOptions } from "./queries";

type Draft = components["schemas"]["EmailDraftOut"];
// A template id exists once per language (follow_up in en and es): the option carries both.
const LANGUAGE_SEPARATOR = "|";
const optionValue = (t: { id: string; language: string }) => `${t.id}${LANGUAGE_SEPARATOR}${t.language}`;
const schema = z.object({
  template: z.string().min(1, "Choose a template."),
  instructions: z.string().trim().max(1000, "Use at most 1,000 characters."),
});
type Values = z.infer<typeof schema>;

/**
 * A personalised e-mail draft for the contact/deal, from a template; nothing is sent or stored.
 * `suggestedTemplate` (a next best action's id, e.g. "re_engage") preselects the template of the same id.
 */
export function EmailDraftDialog({
  open,
  onOpenChange,
  contactId,
  dealId,
  nextStep,
  suggestedTemplate,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  contactId?: string | undefined;
  dealId?: string | undefined;
  nextStep?: string | undefined;
  suggestedTemplate?: string | undefined;
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="Draft an e-mail" description="Written from a template with this record's details. Review it before you send it." className="max-w-2xl">
      {open && <DraftForm contactId={contactId} dealId={dealId} nextStep={nextStep} suggestedTemplate={suggestedTemplate} onClose={() => onOpenChange(false)} />}
    </Dialog>
  );
}

function DraftForm({
  contactId,
  dealId,
  nextStep,
  suggestedTemplate,
  onClose,
}: {
  contactId?: string | undefined;
  dealId?: string | undefined;
  nextStep?: string | undefined;
  suggestedTemplate?: string | undefined;
  onClose: () => void;
}) {
  const templates = useQuery(emailTemplatesQueryOptions());
  const [draft, setDraft] = useState<Draft>();
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { template: "", instructions: "" } });
  // The action's own template when there is one (templates load after the dialog opens).
  useEffect(() => {
    const suggested = templates.data?.find((t) => t.id === suggestedTemplate && t.language === "en") ?? templates.data?.find((t) => t.id === suggestedTemplate);
    if (suggested && !form.getValues("template")) form.setValue("template", optionValue(suggested));
  }, [form, suggestedTemplate, templates.data]);
  const { errors, isSubmitting } = form.formState;
  const submit = form.handleSubmit(async (values) => {
    const [template = "", language = "en"] = values.template.split(LANGUAGE_SEPARATOR);
    try {
      setDraft(
        await unwrap(
          api.POST("/api/v1/ai/email-drafts", {
            body: { template, contact_id: contactId ?? null, deal_id: dealId ?? null, instructions: values.instructions || null, next_step: nextStep ?? null, use_llm: true, language },
          }),
        ),
      );
    } catch (error) {
      applyApiError(error, form.setError, {}, ["template", "instructions"]);
    }
  });
  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      <Field label="Template" error={errors.template?.message}>
        {(control) => (
          <Select className="w-full" {...control} {...form.register("template")}>
            <option value="">{templates.isPending ? "Loading templates…" : "Choose a template"}</option>
            {(templates.data ?? []).map((t) => (
              <option key={optionValue(t)} value={optionValue(t)}>
                {humanize(t.purpose)} ({t.language})
              </option>
            ))}
          </Select>
        )}
      </Field>
      <TextField label="Instructions (optional)" placeholder="e.g. shorter, mention the March pilot" error={errors.instructions?.message} {...form.register("instructions")} />
      {draft && (
        <div className="flex flex-col gap-2 rounded-md border border-border p-3" data-email-draft>
          {draft.llm_error && <Alert tone="warning">The AI writer was not available ({draft.llm_error}); this is the template's own text.</Alert>}
          {draft.missing_fields.length > 0 && <Alert tone="info">Fill in by hand: {draft.missing_fields.join(", ")}.</Alert>}
          <p className="text-sm font-medium text-fg">{draft.subject}</p>
          <p className="text-sm whitespace-pre-wrap text-fg-muted">{draft.body}</p>
          <div className="flex justify-end">
            <CopyButton value={`${draft.subject}\n\n${draft.body}`} label="Copy draft" />
          </div>
        </div>
      )}
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <Button variant="secondary" onClick={onClose}>
          Close
        </Button>
        <SubmitButton pending={isSubmitting} className="">
          {draft ? "Write again" : "Write draft"}
        </SubmitButton>
      </div>
    </form>
  );
}
