import { zodResolver } from "@hookform/resolvers/zod";
import { useMutation } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import type { components } from "@/client/schema";
import { Button } from "@/components/ui/Button";
import { FormError } from "@/components/ui/FormError";
import { ErrorState } from "@/components/ui/States";
import { Spinner } from "@/components/ui/Spinner";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import { applyApiError } from "@/lib/forms/apiErrors";
import { totpCodeSchema } from "@/lib/forms/schemas";
import { CopyButton } from "@/components/ui/CopyButton";

type TotpSetup = components["schemas"]["TotpSetupResponse"];

const schema = z.object({ code: totpCodeSchema });
type Values = z.infer<typeof schema>;

/** "JBSWY3DPEHPK3PXP" → "JBSW Y3DP EHPK 3PXP", easier to type into an app. */
export function groupSecret(secret: string): string {
  return secret.replace(/(.{4})/g, "$1 ").trim();
}

export type MfaEnrolmentProps = {
  /** The 10 recovery codes arrive here once MFA is on; show them (once) next. */
  onEnabled: (recoveryCodes: string[]) => void;
};

/** TOTP enrolment: scan the QR code (or type the key), then confirm with a first code. */
export function MfaEnrolment({ onEnabled }: MfaEnrolmentProps) {
  const setup = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/auth/mfa/totp/setup")),
  });
  const started = useRef(false);
  const { mutate } = setup;
  useEffect(() => {
    // Once per mount (StrictMode mounts twice in development): each call makes a new secret.
    if (started.current) return;
    started.current = true;
    mutate();
  }, [mutate]);

  if (setup.isError) return <ErrorState title="Couldn't start MFA setup" error={setup.error} onRetry={() => setup.mutate()} />;
  if (!setup.data) return <Spinner label="Preparing your QR code…" showLabel className="py-6" />;
  return <EnrolmentSteps setup={setup.data} onEnabled={onEnabled} />;
}

function EnrolmentSteps({ setup, onEnabled }: { setup: TotpSetup; onEnabled: (codes: string[]) => void }) {
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { code: "" } });
  const { errors, isSubmitting } = form.formState;

  const submit = form.handleSubmit(async ({ code }) => {
    try {
      const { recovery_codes } = await unwrap(api.POST("/api/v1/auth/mfa/totp/enable", { body: { code } }));
      onEnabled(recovery_codes);
    } catch (error) {
      applyApiError(error, form.setError, { invalid_mfa_code: "code" }, ["code"]);
    }
  });

  return (
    <div className="flex flex-col gap-5">
      <ol className="flex flex-col gap-5">
        <li className="flex flex-col gap-3">
          <p className="text-sm text-fg">
            <span className="font-semibold">1. Scan this QR code</span> with an authenticator app (Google
            Authenticator, Microsoft Authenticator, 1Password, …).
          </p>
          <img
            src={setup.qr_svg_data_uri}
            alt="QR code to add CliniGlobal CRM to your authenticator app"
            className="size-48 self-center rounded-md border border-border bg-white p-2 sm:self-start"
            width={192}
            height={192}
          />
          <div className="flex flex-col gap-1.5 text-sm">
            <span className="text-fg-muted">Can't scan it? Enter this key instead:</span>
            <div className="flex flex-wrap items-center gap-2">
              <code className="rounded bg-surface-muted px-2 py-1 font-mono text-sm break-all text-fg" data-totp-secret={setup.secret}>
                {groupSecret(setup.secret)}
              </code>
              <CopyButton value={setup.secret} label="Copy key" />
            </div>
          </div>
        </li>
        <li className="flex flex-col gap-3">
          <p className="text-sm font-semibold text-fg">2. Enter the 6-digit code the app shows</p>
          <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-3 sm:flex-row sm:items-start">
            <TextField
              label="Authentication code"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={7}
              placeholder="123456"
              className="font-mono tracking-widest"
              fieldClassName="sm:w-52"
              error={errors.code?.message}
              {...form.register("code")}
            />
            <SubmitButton pending={isSubmitting} className="sm:mt-6.5">
              Turn on MFA
            </SubmitButton>
          </form>
          <FormError message={errors.root?.server?.message} />
        </li>
      </ol>
    </div>
  );
}

export function RecoveryCodes({ codes, onDone, doneLabel = "Done" }: { codes: string[]; onDone: () => void; doneLabel?: string }) {
  const text = codes.join("\n");
  const download = () => {
    const url = URL.createObjectURL(new Blob([`CliniGlobal CRM recovery codes\n\n${text}\n`], { type: "text/plain" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = "cliniglobal-recovery-codes.txt";
    link.click();
    URL.revokeObjectURL(url);
  };
  return (
    <div className="flex flex-col gap-4">
      <div className="rounded-md border border-warning-border bg-warning-subtle px-3 py-2.5 text-sm text-fg">
        <p className="font-semibold text-warning">Save these recovery codes now</p>
        <p className="mt-0.5 text-fg-muted">
          They are shown only once. Each one signs you in once if you lose your phone. Keep them somewhere safe, like a
          password manager.
        </p>
      </div>
      <ul aria-label="Recovery codes" className="grid grid-cols-2 gap-2 rounded-md border border-border bg-surface-muted p-3 font-mono text-sm" data-recovery-codes>
        {codes.map((code) => (
          <li key={code} className="text-center text-fg">
            {code}
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap gap-2">
        <CopyButton value={text} label="Copy codes" />
        <Button variant="secondary" size="sm" onClick={download}>
          Download
        </Button>
      </div>
      <Button onClick={onDone} className="self-start">
        {doneLabel}
      </Button>
    </div>
  );
}
