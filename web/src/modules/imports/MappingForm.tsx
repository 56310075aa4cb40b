import { useQueryClient } from "@tanstack/react-query";
import { zodResolver } from "@hookform/resolvers/zod";
import { useForm, useWatch } from "react-hook-form";
import { z } from "zod";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { FormError } from "@/components/ui/FormError";
import { Select } from "@/components/ui/Select";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { applyApiError } from "@/lib/forms/apiErrors";
import { fieldLabel, initialMapping, mappingProblems, toApiMapping, type MappingValues } from "./mapping";
import { importKeys, saveMapping, type ImportField } from "./queries";

type ColumnsForm = { columns: Array<{ header: string; target: string }> };

function asMapping(values: ColumnsForm): MappingValues {
  return Object.fromEntries(values.columns.map((c) => [c.header, c.target]));
}

/** A clash involves two columns, so the check runs over the whole mapping and points at the later column. */
function mappingSchema(fields: readonly ImportField[]) {
  return z
    .object({ columns: z.array(z.object({ header: z.string(), target: z.string() })) })
    .superRefine((values, ctx) => {
      const problems = mappingProblems(asMapping(values), fields);
      values.columns.forEach((column, index) => {
        const message = problems.columns[column.header];
        if (message) ctx.addIssue({ code: "custom", path: ["columns", index, "target"], message });
      });
      if (problems.form) ctx.addIssue({ code: "custom", path: ["root"], message: problems.form });
    });
}

import type { MappingStepProps } from "./MappingStep";

export function MappingForm({ run, fields, onDone, onCancel }: MappingStepProps & { fields: ImportField[] }) {
  const queryClient = useQueryClient();
  const initial = initialMapping(run.columns);
  const form = useForm<ColumnsForm>({
    resolver: zodResolver(mappingSchema(fields)),
    defaultValues: { columns: run.columns.map((c) => ({ header: c.header, target: initial[c.header] ?? "" })) },
  });
  const { errors, isSubmitting } = form.formState;
  const columns = useWatch({ control: form.control, name: "columns" });
  const mapped = columns.filter((c) => c.target !== "").length;

  const submit = form.handleSubmit(async (values) => {
    try {
      const saved = await saveMapping(run.id, toApiMapping(asMapping(values)), run.duplicate_policy);
      queryClient.setQueryData(importKeys.one(run.id), saved);
      await queryClient.invalidateQueries({ queryKey: importKeys.preview(run.id) });
      onDone();
    } catch (error) {
      applyApiError(error, form.setError);
    }
  });

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.message ?? errors.root?.server?.message} />
      <Card className="overflow-hidden">
        <div className="flex flex-col gap-1 border-b border-border px-4 py-3 sm:flex-row sm:items-baseline sm:justify-between sm:px-5">
          <h2 className="text-base font-semibold text-fg">Map columns</h2>
          <p className="text-sm text-fg-muted">
            {mapped} of {run.columns.length} columns imported
          </p>
        </div>
        <ul className="divide-y divide-border">
          {run.columns.map((column, index) => {
            const target = columns[index]?.target ?? "";
            const error = errors.columns?.[index]?.target?.message;
            const description = fields.find((f) => f.key === target)?.description;
            const selectId = `map-${index}`;
            return (
              <li key={column.header} className="grid gap-2 px-4 py-3 sm:grid-cols-[minmax(0,1fr)_minmax(0,18rem)] sm:items-start sm:gap-4 sm:px-5">
                <label htmlFor={selectId} className="min-w-0 pt-1.5">
                  <span className="block truncate font-medium text-fg" title={column.header}>
                    {column.header || <em className="text-fg-subtle">(no header)</em>}
                  </span>
                  <span className="block text-xs text-fg-subtle">Column {index + 1}</span>
                </label>
                <div className="flex min-w-0 flex-col gap-1">
                  <Select
                    id={selectId}
                    className="w-full"
                    aria-invalid={error ? true : undefined}
                    aria-describedby={error ? `${selectId}-error` : description ? `${selectId}-hint` : undefined}
                    {...form.register(`columns.${index}.target`)}
                  >
                    <option value="">Don't import</option>
                    {fields.map((field) => (
                      <option key={field.key} value={field.key}>
                        {fieldLabel(fields, field.key)}
                        {field.key.startsWith("cf.") ? " (custom)" : ""}
                      </option>
                    ))}
                  </Select>
                  {error ? (
                    <p id={`${selectId}-error`} className="text-xs font-medium text-danger" data-field-error>
                      {error}
                    </p>
                  ) : (
                    description && (
                      <p id={`${selectId}-hint`} className="text-xs text-fg-subtle">
                        {description}
                      </p>
                    )
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      </Card>
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-between">
        <Button type="button" variant="ghost" onClick={onCancel}>
          Discard import
        </Button>
        <SubmitButton pending={isSubmitting} className="w-full sm:w-auto">
          Preview rows
        </SubmitButton>
      </div>
    </form>
  );
}
