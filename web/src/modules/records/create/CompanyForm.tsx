import { zodResolver } from "@hookform/resolvers/zod";
import { useForm, type UseFormRegister } from "react-hook-form";
import { z } from "zod";
import { FormError } from "@/components/ui/FormError";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import type { CreateFormProps } from "./CreateRecordDialog";
import { CustomFieldInputs } from "./CustomFieldInputs";
import { applyRecordError, missingRequired, toCustomPayload, type CustomFormValues } from "./customValues";
import { FormActions } from "./FormActions";
import { OwnerSelect } from "./OwnerSelect";
import { currencySchema, customSchema, optionalAmount, orUndefined } from "./schemas";

const schema = z.object({
  name: z.string().trim().min(1, "Name the company.").max(200, "Use at most 200 characters."),
  domain: z.string().trim().max(253, "That domain is too long."),
  industry: z.string().trim().max(100, "Use at most 100 characters."),
  employee_count: z.string().trim().refine((v) => v === "" || (/^\d+$/.test(v) && Number(v) <= 10_000_000), "Enter a whole number."),
  annual_revenue: optionalAmount,
  currency: currencySchema,
  owner_id: z.string(),
  custom: customSchema,
});
type Values = z.infer<typeof schema>;
const NAMES = ["name", "domain", "industry", "employee_count", "annual_revenue", "currency", "owner_id"] as const;

export function CompanyForm({ members, definitions, onCancel, onCreated }: CreateFormProps) {
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { name: "", domain: "", industry: "", employee_count: "", annual_revenue: "", currency: "EUR", owner_id: "", custom: {} },
  });
  const { errors, isSubmitting } = form.formState;

  const submit = form.handleSubmit(async (values) => {
    const missing = missingRequired(definitions, values.custom);
    if (missing.length > 0) {
      for (const key of missing) form.setError(`custom.${key}`, { message: "This field is required." });
      return;
    }
    try {
      const company = await unwrap(
        api.POST("/api/v1/companies", {
          body: {
            name: values.name,
            domain: orUndefined(values.domain) ?? null,
            industry: orUndefined(values.industry) ?? null,
            employee_count: values.employee_count === "" ? null : Number(values.employee_count),
            annual_revenue: orUndefined(values.annual_revenue) ?? null,
            currency: orUndefined(values.currency) ?? null,
            ...(orUndefined(values.owner_id) ? { owner_id: values.owner_id } : {}),
            custom_fields: toCustomPayload(definitions, values.custom),
          },
        }),
      );
      onCreated(company.name);
    } catch (error) {
      applyRecordError(error, form.setError, { invalid_domain: "domain", invalid_name: "name", invalid_owner: "owner_id" }, NAMES);
    }
  });

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      <TextField label="Name" autoFocus autoComplete="off" error={errors.name?.message} {...form.register("name")} />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField label="Domain" placeholder="clinic.example" autoComplete="off" error={errors.domain?.message} {...form.register("domain")} />
        <TextField label="Industry" error={errors.industry?.message} {...form.register("industry")} />
        <TextField label="Employees" inputMode="numeric" error={errors.employee_count?.message} {...form.register("employee_count")} />
        <OwnerSelect members={members} error={errors.owner_id?.message} registration={form.register("owner_id")} />
        <TextField label="Annual revenue" inputMode="decimal" error={errors.annual_revenue?.message} {...form.register("annual_revenue")} />
        <TextField label="Currency" maxLength={3} error={errors.currency?.message} {...form.register("currency")} />
      </div>
      <CustomFieldInputs definitions={definitions} register={form.register as unknown as UseFormRegister<{ custom?: CustomFormValues }>} errors={errors} />
      <FormActions pending={isSubmitting} label="Create company" onCancel={onCancel} />
    </form>
  );
}
