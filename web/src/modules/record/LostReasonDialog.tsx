import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { FormError } from "@/components/ui/FormError";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { applyApiError } from "@/lib/forms/apiErrors";

const schema = z.object({ reason: z.string().trim().min(1, "Say why it was lost: it feeds the win/loss reports.").max(200, "Use at most 200 characters.") });
type Values = z.infer<typeof schema>;

/** Asks for the lost reason the API requires before a deal or lead is marked lost. */
export function LostReasonDialog({ open, onOpenChange, what, onSubmit }: { open: boolean; onOpenChange: (open: boolean) => void; what: string; onSubmit: (reason: string) => Promise<void> }) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={`Mark ${what} as lost`} description="The reason is kept with the record and shows in the reports.">
      {open && <LostForm onCancel={() => onOpenChange(false)} onSubmit={onSubmit} />}
    </Dialog>
  );
}

function LostForm({ onCancel, onSubmit }: { onCancel: () => void; onSubmit: (reason: string) => Promise<void> }) {
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { reason: "" } });
  const { errors, isSubmitting } = form.formState;
  const submit = form.handleSubmit(async ({ reason }) => {
    try {
      await onSubmit(reason);
      onCancel();
    } catch (error) {
      applyApiError(error, form.setError, {}, ["reason"]);
    }
  });
  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      <TextField label="Lost reason" placeholder="e.g. Chose a competitor on price" autoFocus error={errors.reason?.message} {...form.register("reason")} />
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <SubmitButton pending={isSubmitting} className="">
          Mark as lost
        </SubmitButton>
      </div>
    </form>
  );
}
