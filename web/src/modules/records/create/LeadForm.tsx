import { zodResolver } from "@hookform/resolvers/zod";
import { useForm, type UseFormRegister } from "react-hook-form";
import { z } from "zod";
import { Field } from "@/components/ui/Field";
import { FormError } from "@/components/ui/FormError";
import { Select } from "@/components/ui/Select";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import { humanize, personName } from "../format";
import type { CreateFormProps } from "./CreateRecordDialog";
import { CustomFieldInputs } from "./CustomFieldInputs";
import { applyRecordError, missingRequired, toCustomPayload, type CustomFormValues } from "./customValues";
import { FormActions } from "./FormActions";
import { OwnerSelect } from "./OwnerSelect";
import { customSchema, optionalEmail, optionalPhone, orUndefined } from "./schemas";

const STATUSES = ["new", "contacted", "qualified"] as const;
const schema = z
  .object({
    first_name: z.string().trim().max(100, "Use at most 100 characters."),
    last_name: z.string().trim().max(100, "Use at most 100 characters."),
    company_name: z.string().trim().max(200, "Use at most 200 characters."),
    job_title: z.string().trim().max(150, "Use at most 150 characters."),
    email: optionalEmail,
    phone: optionalPhone,
    source: z.string().trim().max(50, "Use at most 50 characters."),
    status: z.enum(STATUSES),
    owner_id: z.string(),
    custom: customSchema,
  })
  .refine((v) => [v.first_name, v.last_name, v.email, v.phone, v.company_name].some((x) => x !== ""), {
    path: ["last_name"],
    error: "Give a name, an e-mail, a phone or a company.",
  });
type Values = z.infer<typeof schema>;
const NAMES = ["first_name", "last_name", "company_name", "job_title", "email", "phone", "source", "status", "owner_id"] as const;

export function LeadForm({ members, definitions, onCancel, onCreated }: CreateFormProps) {
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { first_name: "", last_name: "", company_name: "", job_title: "", email: "", phone: "", source: "", status: "new", owner_id: "", custom: {} },
  });
  const { errors, isSubmitting } = form.formState;

  const submit = form.handleSubmit(async (values) => {
    const missing = missingRequired(definitions, values.custom);
    if (missing.length > 0) {
      for (const key of missing) form.setError(`custom.${key}`, { message: "This field is required." });
      return;
    }
    try {
      const lead = await unwrap(
        api.POST("/api/v1/leads", {
          body: {
            first_name: orUndefined(values.first_name) ?? null,
            last_name: orUndefined(values.last_name) ?? null,
            company_name: orUndefined(values.company_name) ?? null,
            job_title: orUndefined(values.job_title) ?? null,
            email: orUndefined(values.email) ?? null,
            phone: orUndefined(values.phone) ?? null,
            source: orUndefined(values.source) ?? null,
            status: values.status,
            ...(orUndefined(values.owner_id) ? { owner_id: values.owner_id } : {}),
            custom_fields: toCustomPayload(definitions, values.custom),
          },
        }),
      );
      onCreated(personName(lead.first_name, lead.last_name) === "(no name)" ? (lead.company_name ?? "The lead") : personName(lead.first_name, lead.last_name));
    } catch (error) {
      applyRecordError(error, form.setError, { empty_lead: "last_name", invalid_owner: "owner_id", invalid_email: "email", invalid_phone: "phone" }, NAMES);
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
        <TextField label="Company" autoComplete="off" error={errors.company_name?.message} {...form.register("company_name")} />
        <TextField label="Job title" error={errors.job_title?.message} {...form.register("job_title")} />
        <TextField label="Source" placeholder="e.g. web form" error={errors.source?.message} {...form.register("source")} />
        <Field label="Status" error={errors.status?.message}>
          {(control) => (
            <Select {...control} className="w-full" {...form.register("status")}>
              {STATUSES.map((status) => (
                <option key={status} value={status}>
                  {humanize(status)}
                </option>
              ))}
            </Select>
          )}
        </Field>
      </div>
      <OwnerSelect members={members} error={errors.owner_id?.message} registration={form.register("owner_id")} />
      <CustomFieldInputs definitions={definitions} register={form.register as unknown as UseFormRegister<{ custom?: CustomFormValues }>} errors={errors} />
      <FormActions pending={isSubmitting} label="Create lead" onCancel={onCancel} />
    </form>
  );
}
