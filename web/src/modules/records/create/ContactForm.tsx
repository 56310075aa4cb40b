import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { useForm, type UseFormRegister } from "react-hook-form";
import { z } from "zod";
import { Checkbox } from "@/components/ui/Checkbox";
import { Field } from "@/components/ui/Field";
import { FormError } from "@/components/ui/FormError";
import { Select } from "@/components/ui/Select";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import { isApiError } from "@/lib/api/ApiError";
import { humanize, LIFECYCLE_STAGES, personName } from "../format";
import { RecordLink } from "../RecordLink";
import { CompanySelect } from "./CompanySelect";
import type { CreateFormProps } from "./CreateRecordDialog";
import { CustomFieldInputs } from "./CustomFieldInputs";
import { applyRecordError, missingRequired, toCustomPayload, type CustomFormValues } from "./customValues";
import { FormActions } from "./FormActions";
import { OwnerSelect } from "./OwnerSelect";
import { customSchema, optionalEmail, optionalPhone, orUndefined } from "./schemas";

const schema = z
  .object({
    first_name: z.string().trim().max(100, "Use at most 100 characters."),
    last_name: z.string().trim().max(100, "Use at most 100 characters."),
    email: optionalEmail,
    phone: optionalPhone,
    job_title: z.string().trim().max(150, "Use at most 150 characters."),
    company_id: z.string(),
    lifecycle_stage: z.enum(LIFECYCLE_STAGES),
    owner_id: z.string(),
    allow_duplicate: z.boolean(),
    custom: customSchema,
  })
  .refine((v) => v.first_name !== "" || v.last_name !== "", { path: ["last_name"], error: "Enter a first or last name." });
type Values = z.infer<typeof schema>;
const NAMES = ["first_name", "last_name", "email", "phone", "job_title", "company_id", "lifecycle_stage", "owner_id"] as const;

export function ContactForm({ members, definitions, onCancel, onCreated }: CreateFormProps) {
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { first_name: "", last_name: "", email: "", phone: "", job_title: "", company_id: "", lifecycle_stage: "lead", owner_id: "", allow_duplicate: false, custom: {} },
  });
  const { errors, isSubmitting } = form.formState;
  const [duplicateId, setDuplicateId] = useState<string>();

  const submit = form.handleSubmit(async (values) => {
    const missing = missingRequired(definitions, values.custom);
    if (missing.length > 0) {
      for (const key of missing) form.setError(`custom.${key}`, { message: "This field is required." });
      return;
    }
    try {
      const contact = await unwrap(
        api.POST("/api/v1/contacts", {
          params: { query: { allow_duplicate: values.allow_duplicate } },
          body: {
            first_name: orUndefined(values.first_name) ?? "",
            last_name: orUndefined(values.last_name) ?? "",
            ...(orUndefined(values.email) ? { emails: [values.email.trim()] } : {}),
            ...(orUndefined(values.phone) ? { phones: [values.phone.trim()] } : {}),
            job_title: orUndefined(values.job_title) ?? null,
            company_id: orUndefined(values.company_id) ?? null,
            lifecycle_stage: values.lifecycle_stage,
            ...(orUndefined(values.owner_id) ? { owner_id: values.owner_id } : {}),
            custom_fields: toCustomPayload(definitions, values.custom),
          },
        }),
      );
      onCreated(personName(contact.first_name, contact.last_name));
    } catch (error) {
      if (isApiError(error) && error.code === "duplicate") {
        // "another contact has this email: <id>, …": point at the field and offer the existing record.
        const field = /phone/.test(error.detail) ? "phone" : "email";
        setDuplicateId(/[0-9a-f-]{36}/.exec(error.detail)?.[0]);
        form.setError(field, { type: "server", message: `Another contact has this ${field === "phone" ? "phone number" : "e-mail address"}.` }, { shouldFocus: true });
        return;
      }
      applyRecordError(error, form.setError, { invalid_owner: "owner_id", invalid_email: "email", invalid_phone: "phone" }, NAMES);
    }
  });

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField label="First name" autoFocus autoComplete="off" error={errors.first_name?.message} {...form.register("first_name")} />
        <TextField label="Last name" autoComplete="off" error={errors.last_name?.message} {...form.register("last_name")} />
        <TextField label="E-mail" type="email" autoComplete="off" error={errors.email?.message} {...form.register("email")} />
        <TextField label="Phone" type="tel" autoComplete="off" error={errors.phone?.message} {...form.register("phone")} />
      </div>
      {duplicateId && (
        <div className="-mt-2 flex flex-col gap-2 rounded-md border border-warning-border bg-warning-subtle p-3 text-sm">
          <RecordLink href={`/contacts/${duplicateId}`} className="font-medium text-accent underline">
            Open the existing contact
          </RecordLink>
          <Checkbox label="Create a separate contact anyway" {...form.register("allow_duplicate")} />
        </div>
      )}
      <TextField label="Job title" error={errors.job_title?.message} {...form.register("job_title")} />
      <CompanySelect error={errors.company_id?.message} registration={form.register("company_id")} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Lifecycle stage" error={errors.lifecycle_stage?.message}>
          {(control) => (
            <Select {...control} className="w-full" {...form.register("lifecycle_stage")}>
              {LIFECYCLE_STAGES.map((stage) => (
                <option key={stage} value={stage}>
                  {humanize(stage)}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <OwnerSelect members={members} error={errors.owner_id?.message} registration={form.register("owner_id")} />
      </div>
      <CustomFieldInputs definitions={definitions} register={form.register as unknown as UseFormRegister<{ custom?: CustomFormValues }>} errors={errors} />
      <FormActions pending={isSubmitting} label="Create contact" onCancel={onCancel} />
    </form>
  );
}
