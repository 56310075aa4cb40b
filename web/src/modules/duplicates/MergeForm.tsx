import { zodResolver } from "@hookform/resolvers/zod";
import { useQueryClient } from "@tanstack/react-query";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { Button } from "@/components/ui/Button";
import { FormError } from "@/components/ui/FormError";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { isApiError } from "@/lib/api/ApiError";
import { applyApiError } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { defaultChoices, mergeFields } from "./mergeFields";
import { duplicateKeys, mergeRecords, type Company, type Contact, type DuplicateObject } from "./queries";

const schema = z.object({ fields: z.record(z.string(), z.enum(["primary", "duplicate", "both"])) });
type Values = z.infer<typeof schema>;

function recordName(record: Contact | Company): string {
  return "name" in record ? record.name : `${record.first_name} ${record.last_name}`.trim();
}

export type MergeFormProps = {
  objectType: DuplicateObject;
  kept: Contact | Company;
  other: Contact | Company;
  onSwap: () => void;
  onStale: () => void;
  onMerged: () => void;
};

export function MergeForm({ objectType, kept, other, onSwap, onStale, onMerged }: MergeFormProps) {
  const queryClient = useQueryClient();
  const fields = mergeFields(objectType);
  const initial = defaultChoices(fields, kept, other);
  const differing = fields.filter((f) => f.key in initial);
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { fields: initial } });
  const { errors, isSubmitting } = form.formState;

  const submit = form.handleSubmit(async (values) => {
    try {
      await mergeRecords(objectType, { primary_id: kept.id, duplicate_id: other.id, fields: values.fields, primary_version: kept.version, duplicate_version: other.version });
      void queryClient.invalidateQueries({ queryKey: duplicateKeys.all });
      toast(`Merged into ${recordName(kept)}.`, "success");
      onMerged();
    } catch (error) {
      if (isApiError(error) && error.status === 412) {
        form.setError("root.server", { message: "One of the records changed meanwhile. They have been reloaded: check the choices and merge again." });
        onStale();
        return;
      }
      applyApiError(error, form.setError);
    }
  });

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      <div className="flex flex-wrap items-center justify-between gap-2 rounded-md bg-surface-muted px-3 py-2 text-sm">
        <span>
          Keeping <strong className="font-semibold text-fg">{recordName(kept)}</strong>; folding in <strong className="font-semibold text-fg">{recordName(other)}</strong>.
        </span>
        <Button type="button" variant="ghost" size="sm" onClick={onSwap}>
          Keep the other one
        </Button>
      </div>
      {differing.length === 0 ? (
        <p className="text-sm text-fg-muted">Both records hold the same values; merging moves the other's activities, deals and links.</p>
      ) : (
        <div className="flex flex-col divide-y divide-border rounded-md border border-border">
          {differing.map((f) => (
            <fieldset key={f.key} className="grid gap-2 px-3 py-3 sm:grid-cols-[8rem_minmax(0,1fr)]">
              <legend className="sr-only">{f.label}</legend>
              <span aria-hidden="true" className="text-sm font-medium text-fg">
                {f.label}
              </span>
              <div className="flex min-w-0 flex-col gap-1.5">
                {(
                  [
                    ["primary", f.show(kept)],
                    ["duplicate", f.show(other)],
                    ...(f.list ? ([["both", "Keep both"]] as const) : []),
                  ] as const
                ).map(([choice, label]) => (
                  <label key={choice} className="flex min-w-0 cursor-pointer items-start gap-2 text-sm">
                    <input type="radio" value={choice} className="mt-1 accent-[var(--color-accent)]" {...form.register(`fields.${f.key}`)} />
                    <span className={label === "" ? "text-fg-subtle italic" : "min-w-0 break-words text-fg"}>{label === "" ? "(empty)" : label}</span>
                  </label>
                ))}
              </div>
            </fieldset>
          ))}
        </div>
      )}
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <Button type="button" variant="secondary" onClick={onMerged}>
          Cancel
        </Button>
        <SubmitButton pending={isSubmitting} className="w-full sm:w-auto">
          Merge
        </SubmitButton>
      </div>
    </form>
  );
}
