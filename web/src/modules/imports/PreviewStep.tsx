import { zodResolver } from "@hookform/resolvers/zod";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { FormError } from "@/components/ui/FormError";
import { Spinner } from "@/components/ui/Spinner";
import { ErrorState, LoadingState } from "@/components/ui/States";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { applyApiError, errorMessage } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { objectLabel, policyOptions } from "./labels";
import { PreviewTable } from "./PreviewTable";
import {
  importKeys,
  importPreviewQueryOptions,
  PREVIEW_ROWS,
  runImport,
  saveMapping,
  type DuplicatePolicy,
  type ImportRun,
} from "./queries";

const runSchema = z.object({ policy: z.enum(["skip", "update", "create"]) });
type RunValues = z.infer<typeof runSchema>;

export type PreviewStepProps = { run: ImportRun; onBack: () => void };

/**
 * Step 3: the first rows as they would be imported (nothing is written), the duplicate policy
 * (which changes what each row would do, so the preview reloads), and the start button.
 */
export function PreviewStep({ run, onBack }: PreviewStepProps) {
  const queryClient = useQueryClient();
  const preview = useQuery(importPreviewQueryOptions(run.id));
  const names = objectLabel(run.object_type);
  const form = useForm<RunValues>({ resolver: zodResolver(runSchema), defaultValues: { policy: run.duplicate_policy } });
  const { errors, isSubmitting } = form.formState;

  const changePolicy = async (policy: DuplicatePolicy) => {
    form.setValue("policy", policy);
    try {
      const mapping = Object.fromEntries(run.columns.map((c) => [c.header, c.target]));
      const saved = await saveMapping(run.id, mapping, policy);
      queryClient.setQueryData(importKeys.one(run.id), saved);
      await queryClient.invalidateQueries({ queryKey: importKeys.preview(run.id) });
    } catch (error) {
      form.setValue("policy", run.duplicate_policy);
      toast(`Couldn't change the duplicate policy: ${errorMessage(error)}`, "danger");
    }
  };

  const submit = form.handleSubmit(async ({ policy }) => {
    try {
      const started = await runImport(run.id, policy);
      queryClient.setQueryData(importKeys.one(run.id), started);
      void queryClient.invalidateQueries({ queryKey: importKeys.list() });
    } catch (error) {
      applyApiError(error, form.setError);
    }
  });

  const summary = preview.data?.summary;
  const shown = preview.data?.rows.length ?? 0;

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      <Card className="overflow-hidden">
        <div className="flex flex-col gap-2 border-b border-border px-4 py-3 sm:flex-row sm:items-center sm:justify-between sm:px-5">
          <div>
            <h2 className="text-base font-semibold text-fg">Preview</h2>
            <p className="text-sm text-fg-muted">
              {run.total_rows !== null ? `The file has ${run.total_rows.toLocaleString()} rows. ` : ""}
              {shown > 0 && `The first ${Math.min(shown, PREVIEW_ROWS)} as they would be imported; nothing is saved yet.`}
            </p>
          </div>
          {preview.isFetching && <Spinner label="Updating the preview" />}
        </div>
        {preview.isPending && <LoadingState label="Reading the file…" />}
        {preview.isError && (
          <div className="p-4">
            <ErrorState error={preview.error} title="The preview failed" onRetry={() => void preview.refetch()} />
          </div>
        )}
        {summary && (
          <dl className="grid grid-cols-2 gap-px border-b border-border bg-border sm:grid-cols-4" aria-label="Preview summary">
            {(
              [
                ["create", `New ${names.plural.toLowerCase()}`, "text-success"],
                ["update", "Updates", "text-accent"],
                ["skip", "Skipped duplicates", "text-fg-muted"],
                ["error", "Rows with errors", "text-danger"],
              ] as const
            ).map(([key, label, tone]) => (
              <div key={key} className="bg-surface px-4 py-3 sm:px-5">
                <dt className="text-xs text-fg-subtle">{label}</dt>
                <dd className={`text-lg font-semibold tabular-nums ${tone}`} data-summary={key}>
                  {summary[key] ?? 0}
                </dd>
              </div>
            ))}
          </dl>
        )}
        {preview.data && <PreviewTable rows={preview.data.rows} />}
      </Card>

      <Card className="p-4 sm:p-5">
        <fieldset className="flex flex-col gap-3">
          <legend className="mb-1 text-base font-semibold text-fg">When a row matches an existing {names.singular}</legend>
          <p className="-mt-1 text-sm text-fg-muted">Rows match by e-mail address or phone number, in the CRM or earlier in the file.</p>
          {policyOptions(names.singular).map((option) => (
            <label
              key={option.value}
              className="flex cursor-pointer items-start gap-3 rounded-md border border-border p-3 has-[:checked]:border-accent has-[:checked]:bg-accent-subtle/50 has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-accent"
            >
              <input
                type="radio"
                value={option.value}
                className="mt-1 accent-[var(--color-accent)]"
                {...form.register("policy", { onChange: (event: { target: { value: DuplicatePolicy } }) => void changePolicy(event.target.value) })}
              />
              <span>
                <span className="block text-sm font-medium text-fg">{option.label}</span>
                <span className="block text-xs text-fg-muted">{option.description}</span>
              </span>
            </label>
          ))}
          {errors.policy && <p className="text-xs font-medium text-danger">{errors.policy.message}</p>}
        </fieldset>
      </Card>

      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-between">
        <Button type="button" variant="secondary" onClick={onBack}>
          Back to mapping
        </Button>
        <SubmitButton pending={isSubmitting} className="w-full sm:w-auto">
          {run.total_rows !== null ? `Import ${run.total_rows.toLocaleString()} rows` : "Start import"}
        </SubmitButton>
      </div>
    </form>
  );
}
