import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { Button } from "@/components/ui/Button";
import { FormError } from "@/components/ui/FormError";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { applyApiError } from "@/lib/forms/apiErrors";
import { pipelineSchema, type PipelineValues } from "./pipelineForms";

/** Name a new pipeline or rename one; a name already taken is reported next to the field. */
export function PipelineNameForm({ name, submitLabel, hint, onCancel, onSubmit }: {
  name?: string | undefined;
  submitLabel: string;
  hint?: string;
  onCancel: () => void;
  onSubmit: (name: string) => Promise<void>;
}) {
  const form = useForm<PipelineValues>({ resolver: zodResolver(pipelineSchema), defaultValues: { name: name ?? "" } });
  const { errors, isSubmitting } = form.formState;
  const submit = form.handleSubmit(async (values) => {
    try {
      await onSubmit(values.name);
    } catch (error) {
      applyApiError(error, form.setError, { pipeline_exists: "name", invalid_name: "name" }, ["name"]);
    }
  });
  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      <TextField label="Pipeline name" autoFocus hint={hint} error={errors.name?.message} {...form.register("name")} />
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <SubmitButton pending={isSubmitting} className="">
          {submitLabel}
        </SubmitButton>
      </div>
    </form>
  );
}
