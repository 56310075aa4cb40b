import { zodResolver } from "@hookform/resolvers/zod";
import { useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { Controller, useForm } from "react-hook-form";
import { z } from "zod";
import { PageHeader } from "@/components/layout/PageHeader";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Field } from "@/components/ui/Field";
import { FormError } from "@/components/ui/FormError";
import { Select } from "@/components/ui/Select";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { applyApiError } from "@/lib/forms/apiErrors";
import { importObjectLabels } from "./labels";
import { importKeys, uploadImport, type ImportObject } from "./queries";
import { FileDrop } from "./FileDrop";
import { WizardSteps } from "./WizardSteps";

/** The server's limit (64 MiB): checked here too so a big file fails before it is sent. */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

const objectTypes = Object.keys(importObjectLabels) as [ImportObject, ...ImportObject[]];

const uploadSchema = z.object({
  objectType: z.enum(objectTypes),
  // Optional on input (nothing chosen yet), a File on output: the first check says what is missing.
  file: z
    .instanceof(File)
    .optional()
    .refine((file) => file !== undefined, "Choose a CSV file.")
    .pipe(
      z
        .instanceof(File)
        .refine((file) => file.size > 0, "This file is empty.")
        .refine((file) => file.size <= MAX_IMPORT_BYTES, "The file is larger than 64 MB; split it into several imports.")
        .refine((file) => /\.(csv|txt|tsv)$/i.test(file.name) || file.type === "text/csv", "Choose a .csv file (comma, semicolon or tab separated)."),
    ),
});
type UploadValues = z.input<typeof uploadSchema>;

export function NewImportPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const form = useForm<UploadValues, unknown, z.infer<typeof uploadSchema>>({
    resolver: zodResolver(uploadSchema),
    defaultValues: { objectType: objectTypes[0], file: undefined },
  });
  const { errors, isSubmitting } = form.formState;

  const submit = form.handleSubmit(async ({ file, objectType }) => {
    try {
      const run = await uploadImport(file, objectType);
      queryClient.setQueryData(importKeys.one(run.id), run);
      void queryClient.invalidateQueries({ queryKey: importKeys.list() });
      await navigate({ to: "/imports/$importId", params: { importId: run.id } });
    } catch (error) {
      applyApiError(error, form.setError, { payload_too_large: "file", unsupported_media_type: "file", bad_request: "file" }, ["file", "objectType"]);
    }
  });

  return (
    <div className="mx-auto flex max-w-3xl flex-col gap-6">
      <title>Import · CliniGlobal CRM</title>
      <PageHeader
        title="Import from CSV"
        description="Bring records in from a spreadsheet or another CRM. Nothing is saved until you review the preview and start the import."
        actions={
          <Button asChild variant="secondary" size="sm">
            <Link to="/imports">Past imports</Link>
          </Button>
        }
      />
      <WizardSteps current="Upload" />
      <Card className="p-4 sm:p-6">
        <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-5">
          <FormError message={errors.root?.server?.message} />
          <Field label="What the file holds" error={errors.objectType?.message}>
            {(control) => (
              <Select {...control} className="w-full sm:w-64" {...form.register("objectType")}>
                {objectTypes.map((type) => (
                  <option key={type} value={type}>
                    {importObjectLabels[type].plural}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Controller
            control={form.control}
            name="file"
            render={({ field }) => (
              <FileDrop file={field.value} onFile={(file) => field.onChange(file)} error={errors.file?.message} />
            )}
          />
          <div className="flex justify-end">
            <SubmitButton pending={isSubmitting} className="w-full sm:w-auto">
              Upload and map columns
            </SubmitButton>
          </div>
        </form>
      </Card>
    </div>
  );
}
