import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { Button } from "@/components/ui/Button";
import { Field } from "@/components/ui/Field";
import { FormError } from "@/components/ui/FormError";
import { Select } from "@/components/ui/Select";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { applyApiError } from "@/lib/forms/apiErrors";
import { stageSchema, type StageValues } from "./pipelineForms";
import type { Stage } from "./queries";

/** Add or edit a stage: name, default probability, and whether it closes deals as won or lost. */
export function StageForm({ stage, onCancel, onSubmit }: {
  stage: Stage | undefined;
  onCancel: () => void;
  onSubmit: (values: { name: string; probability: number; is_won: boolean; is_lost: boolean }) => Promise<void>;
}) {
  const form = useForm<StageValues>({
    resolver: zodResolver(stageSchema),
    defaultValues: {
      name: stage?.name ?? "",
      probability: stage?.probability ?? 10,
      outcome: stage?.is_won ? "won" : stage?.is_lost ? "lost" : "open",
    },
  });
  const { errors, isSubmitting } = form.formState;
  const submit = form.handleSubmit(async ({ name, probability, outcome }) => {
    try {
      await onSubmit({ name, probability, is_won: outcome === "won", is_lost: outcome === "lost" });
    } catch (error) {
      applyApiError(error, form.setError, { invalid_stage: "outcome", too_many_stages: "name" }, ["name", "probability", "outcome"]);
    }
  });
  const outcome = form.register("outcome", {
    onChange: (event: { target: { value: string } }) => {
      // Won is certain and lost is hopeless: set the probability that goes with the choice.
      if (event.target.value === "won") form.setValue("probability", 100);
      if (event.target.value === "lost") form.setValue("probability", 0);
    },
  });
  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      <TextField label="Stage name" autoFocus error={errors.name?.message} {...form.register("name")} />
      <TextField
        label="Default probability (%)"
        type="number"
        inputMode="numeric"
        min={0}
        max={100}
        hint="Deals entering this stage take this win probability."
        error={errors.probability?.message}
        {...form.register("probability", { valueAsNumber: true })}
      />
      <Field label="Closes deals as" error={errors.outcome?.message}>
        {(control) => (
          <Select {...control} className="w-full" {...outcome}>
            <option value="open">Nothing: deals stay open</option>
            <option value="won">Won</option>
            <option value="lost">Lost</option>
          </Select>
        )}
      </Field>
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <SubmitButton pending={isSubmitting} className="">
          {stage ? "Save stage" : "Add stage"}
        </SubmitButton>
      </div>
    </form>
  );
}
