import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { FormError } from "@/components/ui/FormError";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { applyApiError } from "@/lib/forms/apiErrors";
import type { DealCard } from "./queries";

const lostSchema = z.object({
  reason: z.string().trim().min(1, "Say why the deal was lost.").max(200, "Use at most 200 characters."),
});
type LostValues = z.infer<typeof lostSchema>;

const SUGGESTIONS = ["Price", "Chose another clinic", "No response", "Not a candidate", "Timing"];

/** Losing a deal needs a reason (the server refuses without one): asked before anything moves. */
export function LostReasonDialog({ card, onCancel, onConfirm }: {
  card: DealCard | undefined;
  onCancel: () => void;
  onConfirm: (card: DealCard, reason: string) => Promise<void>;
}) {
  return (
    <Dialog
      open={card !== undefined}
      onOpenChange={(open) => !open && onCancel()}
      title={card ? `Mark ${card.name} as lost` : "Mark as lost"}
      description="The reason is kept on the deal and feeds the win/loss reports."
    >
      {card && <LostReasonForm key={card.id} card={card} onCancel={onCancel} onConfirm={onConfirm} />}
    </Dialog>
  );
}

function LostReasonForm({ card, onCancel, onConfirm }: {
  card: DealCard;
  onCancel: () => void;
  onConfirm: (card: DealCard, reason: string) => Promise<void>;
}) {
  const form = useForm<LostValues>({ resolver: zodResolver(lostSchema), defaultValues: { reason: "" } });
  const { errors, isSubmitting } = form.formState;
  const submit = form.handleSubmit(async ({ reason }) => {
    try {
      await onConfirm(card, reason);
    } catch (error) {
      applyApiError(error, form.setError, { lost_reason_required: "reason" }, ["reason"]);
    }
  });
  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      <TextField label="Reason" autoFocus maxLength={200} error={errors.reason?.message} {...form.register("reason")} />
      <div className="flex flex-wrap gap-1.5" aria-label="Common reasons" role="group">
        {SUGGESTIONS.map((suggestion) => (
          <Button
            key={suggestion}
            variant="secondary"
            size="sm"
            onClick={() => form.setValue("reason", suggestion, { shouldValidate: true })}
          >
            {suggestion}
          </Button>
        ))}
      </div>
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
