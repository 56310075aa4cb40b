import { zodResolver } from "@hookform/resolvers/zod";
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { useForm, useWatch, type UseFormRegister } from "react-hook-form";
import { z } from "zod";
import { Field } from "@/components/ui/Field";
import { FormError } from "@/components/ui/FormError";
import { Select } from "@/components/ui/Select";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import { pipelinesQueryOptions } from "../queries";
import { CompanySelect } from "./CompanySelect";
import type { CreateFormProps } from "./CreateRecordDialog";
import { CustomFieldInputs } from "./CustomFieldInputs";
import { applyRecordError, missingRequired, toCustomPayload, type CustomFormValues } from "./customValues";
import { FormActions } from "./FormActions";
import { OwnerSelect } from "./OwnerSelect";
import { currencySchema, customSchema, optionalAmount, orUndefined } from "./schemas";

const schema = z.object({
  name: z.string().trim().min(1, "Name the deal.").max(200, "Use at most 200 characters."),
  amount: optionalAmount,
  currency: currencySchema,
  pipeline_id: z.string().min(1, "Choose a pipeline."),
  stage_id: z.string(),
  expected_close_date: z.string(),
  company_id: z.string(),
  owner_id: z.string(),
  custom: customSchema,
});
type Values = z.infer<typeof schema>;
const NAMES = ["name", "amount", "currency", "pipeline_id", "stage_id", "expected_close_date", "company_id", "owner_id"] as const;

export function DealForm({ members, definitions, onCancel, onCreated }: CreateFormProps) {
  const pipelines = useQuery(pipelinesQueryOptions());
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { name: "", amount: "", currency: "EUR", pipeline_id: "", stage_id: "", expected_close_date: "", company_id: "", owner_id: "", custom: {} },
  });
  const { errors, isSubmitting } = form.formState;
  const pipelineId = useWatch({ control: form.control, name: "pipeline_id" });
  const open = (pipelines.data?.items ?? []).filter((p) => p.archived_at === null);
  const pipeline = open.find((p) => p.id === pipelineId);

  // Start in the default pipeline, as the board does.
  const defaultPipeline = (open.find((p) => p.is_default) ?? open[0])?.id;
  useEffect(() => {
    if (defaultPipeline && form.getValues("pipeline_id") === "") form.setValue("pipeline_id", defaultPipeline);
  }, [defaultPipeline, form]);

  const submit = form.handleSubmit(async (values) => {
    const missing = missingRequired(definitions, values.custom);
    if (missing.length > 0) {
      for (const key of missing) form.setError(`custom.${key}`, { message: "This field is required." });
      return;
    }
    try {
      const deal = await unwrap(
        api.POST("/api/v1/deals", {
          body: {
            name: values.name,
            amount: orUndefined(values.amount) ?? null,
            ...(orUndefined(values.currency) ? { currency: values.currency } : {}),
            pipeline_id: values.pipeline_id,
            ...(orUndefined(values.stage_id) ? { stage_id: values.stage_id } : {}),
            expected_close_date: orUndefined(values.expected_close_date) ?? null,
            company_id: orUndefined(values.company_id) ?? null,
            ...(orUndefined(values.owner_id) ? { owner_id: values.owner_id } : {}),
            custom_fields: toCustomPayload(definitions, values.custom),
          },
        }),
      );
      onCreated(deal.name);
    } catch (error) {
      applyRecordError(
        error,
        form.setError,
        { invalid_name: "name", stage_not_in_pipeline: "stage_id", no_stage: "stage_id", archived_pipeline: "pipeline_id", invalid_owner: "owner_id", forbidden: "amount" },
        NAMES,
      );
    }
  });

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      <TextField label="Name" autoFocus autoComplete="off" error={errors.name?.message} {...form.register("name")} />
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField label="Amount" inputMode="decimal" error={errors.amount?.message} {...form.register("amount")} />
        <TextField label="Currency" maxLength={3} error={errors.currency?.message} {...form.register("currency")} />
        <Field label="Pipeline" error={errors.pipeline_id?.message}>
          {(control) => (
            <Select {...control} className="w-full" {...form.register("pipeline_id", { onChange: () => form.setValue("stage_id", "") })}>
              <option value="">{pipelines.isPending ? "Loading…" : "Choose…"}</option>
              {open.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label="Stage" error={errors.stage_id?.message}>
          {(control) => (
            <Select {...control} className="w-full" {...form.register("stage_id")}>
              <option value="">First stage</option>
              {(pipeline?.stages ?? [])
                .filter((s) => !s.is_won && !s.is_lost)
                .map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
            </Select>
          )}
        </Field>
        <TextField label="Expected close" type="date" error={errors.expected_close_date?.message} {...form.register("expected_close_date")} />
        <OwnerSelect members={members} error={errors.owner_id?.message} registration={form.register("owner_id")} />
      </div>
      <CompanySelect error={errors.company_id?.message} registration={form.register("company_id")} />
      <CustomFieldInputs definitions={definitions} register={form.register as unknown as UseFormRegister<{ custom?: CustomFormValues }>} errors={errors} />
      <FormActions pending={isSubmitting} label="Create deal" onCancel={onCancel} />
    </form>
  );
}
