import { zodResolver } from "@hookform/resolvers/zod";
import { useQuery } from "@tanstack/react-query";
import { useForm, useWatch } from "react-hook-form";
import { z } from "zod";
import type { components } from "@/client/schema";
import { Button } from "@/components/ui/Button";
import { Checkbox } from "@/components/ui/Checkbox";
import { Dialog } from "@/components/ui/Dialog";
import { Field } from "@/components/ui/Field";
import { FormError } from "@/components/ui/FormError";
import { Select } from "@/components/ui/Select";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import { applyApiError } from "@/lib/forms/apiErrors";
import { pipelinesQueryOptions } from "./queries";
import type { Lead } from "./types";

type Conversion = components["schemas"]["ConversionOut"];

export const convertSchema = z
  .object({
    create_deal: z.boolean(),
    deal_name: z.string().trim().max(200, "Use at most 200 characters."),
    amount: z.string().trim().refine((v) => v === "" || /^\d+(\.\d{1,2})?$/.test(v), "Enter an amount like 12500 or 12500.50."),
    currency: z.string().trim().toUpperCase().refine((v) => /^[A-Z]{3}$/.test(v), "Use a three-letter code such as EUR."),
    expected_close_date: z.string(),
    pipeline_id: z.string(),
  })
  .superRefine((values, ctx) => {
    if (values.create_deal && values.deal_name === "") ctx.addIssue({ code: "custom", path: ["deal_name"], message: "Name the deal." });
  });
type Values = z.infer<typeof convertSchema>;

/**
 * Turns a lead into a contact (and company), optionally opening a deal, in one request. The API
 * links an existing contact or company when it finds one; the result says which.
 */
export function ConvertLeadDialog({ lead, open, onOpenChange, onConverted, canCreateDeal }: { lead: Lead; open: boolean; onOpenChange: (open: boolean) => void; onConverted: (result: Conversion) => void; canCreateDeal: boolean }) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="Convert lead" description="Creates (or links) a contact and a company from this lead, and can open a deal for them." className="max-w-lg">
      {open && <ConvertForm lead={lead} canCreateDeal={canCreateDeal} onCancel={() => onOpenChange(false)} onConverted={onConverted} />}
    </Dialog>
  );
}

function ConvertForm({ lead, canCreateDeal, onCancel, onConverted }: { lead: Lead; canCreateDeal: boolean; onCancel: () => void; onConverted: (result: Conversion) => void }) {
  const pipelines = useQuery({ ...pipelinesQueryOptions(), enabled: canCreateDeal });
  const company = lead.company_name || [lead.first_name, lead.last_name].filter(Boolean).join(" ");
  const form = useForm<Values>({
    resolver: zodResolver(convertSchema),
    defaultValues: { create_deal: canCreateDeal, deal_name: company ? `${company} deal` : "", amount: "", currency: "EUR", expected_close_date: "", pipeline_id: "" },
  });
  const { errors, isSubmitting } = form.formState;
  const createDeal = useWatch({ control: form.control, name: "create_deal" });

  const submit = form.handleSubmit(async (values) => {
    try {
      const result = await unwrap(
        api.POST("/api/v1/leads/{lead_id}/convert", {
          params: { path: { lead_id: lead.id } },
          body: values.create_deal
            ? {
                create_deal: true,
                deal_name: values.deal_name,
                amount: values.amount === "" ? null : values.amount,
                currency: values.currency,
                expected_close_date: values.expected_close_date || null,
                pipeline_id: values.pipeline_id || null,
              }
            : { create_deal: false },
        }),
      );
      onConverted(result);
    } catch (error) {
      applyApiError(error, form.setError, {}, ["deal_name", "amount", "currency", "expected_close_date", "pipeline_id"]);
    }
  });

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      {canCreateDeal && <Checkbox label="Also open a deal" {...form.register("create_deal")} />}
      {createDeal && (
        <>
          <TextField label="Deal name" error={errors.deal_name?.message} {...form.register("deal_name")} />
          <div className="grid gap-3 sm:grid-cols-[minmax(0,1fr)_6rem]">
            <TextField label="Amount" inputMode="decimal" placeholder="e.g. 12500" error={errors.amount?.message} {...form.register("amount")} />
            <TextField label="Currency" maxLength={3} error={errors.currency?.message} {...form.register("currency")} />
          </div>
          <div className="grid gap-3 sm:grid-cols-2">
            <TextField label="Expected close" type="date" error={errors.expected_close_date?.message} {...form.register("expected_close_date")} />
            <Field label="Pipeline" error={errors.pipeline_id?.message}>
              {(control) => (
                <Select className="w-full" {...control} {...form.register("pipeline_id")}>
                  <option value="">Default pipeline</option>
                  {(pipelines.data?.items ?? [])
                    .filter((p) => !p.archived_at)
                    .map((p) => (
                      <option key={p.id} value={p.id}>
                        {p.name}
                      </option>
                    ))}
                </Select>
              )}
            </Field>
          </div>
        </>
      )}
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <SubmitButton pending={isSubmitting} className="">
          Convert
        </SubmitButton>
      </div>
    </form>
  );
}
