import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { FormError } from "@/components/ui/FormError";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { isApiError } from "@/lib/api/ApiError";
import { applyApiError } from "@/lib/forms/apiErrors";
import { totpCodeSchema } from "@/lib/forms/schemas";

const totpForm = z.object({ code: totpCodeSchema });
const recoveryForm = z.object({
  code: z
    .string()
    .trim()
    .regex(/^[0-9a-fA-F]{5}-?[0-9a-fA-F]{5}$/, "Enter one of your recovery codes, like 1A2B3-C4D5E."),
});
type CodeValues = { code: string };

export type MfaStepProps = {
  onVerify: (code: string) => Promise<void>;
  /** The mfa_token expired (5 minutes): the password step must start again. */
  onExpired: () => void;
};

/** The second sign-in step: a code from the authenticator app, or a single-use recovery code. */
export function MfaStep({ onVerify, onExpired }: MfaStepProps) {
  const [useRecovery, setUseRecovery] = useState(false);
  return useRecovery ? (
    <CodeForm key="recovery" recovery onVerify={onVerify} onExpired={onExpired} onToggle={() => setUseRecovery(false)} />
  ) : (
    <CodeForm key="totp" recovery={false} onVerify={onVerify} onExpired={onExpired} onToggle={() => setUseRecovery(true)} />
  );
}

function CodeForm({ recovery, onVerify, onExpired, onToggle }: MfaStepProps & { recovery: boolean; onToggle: () => void }) {
  const form = useForm<CodeValues>({
    resolver: zodResolver(recovery ? recoveryForm : totpForm),
    defaultValues: { code: "" },
  });
  const { errors, isSubmitting } = form.formState;

  const submit = form.handleSubmit(async ({ code }) => {
    try {
      await onVerify(code);
    } catch (error) {
      if (isApiError(error) && error.code === "invalid_mfa_token") {
        onExpired();
        return;
      }
      applyApiError(error, form.setError, { invalid_mfa_code: "code" }, ["code"]);
    }
  });

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      {recovery ? (
        <TextField
          label="Recovery code"
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          autoFocus
          hint="Each recovery code works once."
          error={errors.code?.message}
          {...form.register("code")}
        />
      ) : (
        <TextField
          label="Authentication code"
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={7}
          placeholder="123456"
          autoFocus
          className="font-mono tracking-widest"
          error={errors.code?.message}
          {...form.register("code")}
        />
      )}
      <SubmitButton pending={isSubmitting}>Verify</SubmitButton>
      <button type="button" onClick={onToggle} className="cursor-pointer self-center rounded text-sm font-medium text-accent hover:underline">
        {recovery ? "Use your authenticator app instead" : "Use a recovery code instead"}
      </button>
    </form>
  );
}
