import { zodResolver } from "@hookform/resolvers/zod";
import { useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { FormError } from "@/components/ui/FormError";
import { Section } from "@/components/ui/Section";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import { can, meQueryKey, meQueryOptions } from "@/lib/auth/me";
import { applyApiError } from "@/lib/forms/apiErrors";
import { totpCodeSchema } from "@/lib/forms/schemas";
import { toast } from "@/lib/toast/toast";
import { organizationQueryOptions } from "./accountQueries";
import { ChangePasswordForm } from "./ChangePasswordForm";
import { MfaEnrolment, RecoveryCodes } from "./MfaEnrolment";

type Mode = { kind: "idle" } | { kind: "enrolling" } | { kind: "codes"; codes: string[] } | { kind: "disabling" };

export function SecurityPage() {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const organization = useQuery({ ...organizationQueryOptions(), enabled: can(me, "organization:read") });
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<Mode>({ kind: "idle" });
  const required = organization.data?.mfa_required_roles.some((role) => role === me.role) ?? false;

  const refreshMe = () => queryClient.invalidateQueries({ queryKey: meQueryKey });

  return (
    <div className="flex flex-col gap-6">
      <title>Security · CliniGlobal CRM</title>
      <Section title="Password" description="Change the password you sign in with.">
        <ChangePasswordForm />
      </Section>
      <Section
        title="Two-step verification (MFA)"
        description="After your password, sign-in asks for a code from an authenticator app on your phone."
        actions={
          me.mfa_enabled ? (
            <Badge tone="success" dot>
              On
            </Badge>
          ) : (
            <Badge tone="warning" dot>
              Off
            </Badge>
          )
        }
      >
        {mode.kind === "enrolling" && (
          <div className="flex flex-col gap-4">
            <MfaEnrolment
              onEnabled={(codes) => {
                setMode({ kind: "codes", codes });
                void refreshMe();
              }}
            />
            <Button variant="ghost" className="self-start" onClick={() => setMode({ kind: "idle" })}>
              Cancel
            </Button>
          </div>
        )}
        {mode.kind === "codes" && (
          <RecoveryCodes
            codes={mode.codes}
            onDone={() => {
              setMode({ kind: "idle" });
              toast("Two-step verification is on.");
            }}
          />
        )}
        {mode.kind === "disabling" && (
          <DisableMfaForm
            onCancel={() => setMode({ kind: "idle" })}
            onDisabled={() => {
              setMode({ kind: "idle" });
              void refreshMe();
              toast("Two-step verification is off.");
            }}
          />
        )}
        {mode.kind === "idle" &&
          (me.mfa_enabled ? (
            <div className="flex flex-col gap-3 text-sm text-fg-muted">
              <p>Your account asks for a code at every sign-in. Lost your phone? Use a recovery code, or ask an admin to reset your MFA.</p>
              <p data-recovery-codes-remaining={me.recovery_codes_remaining} className={me.recovery_codes_remaining <= 2 ? "font-medium text-warning" : undefined}>
                {me.recovery_codes_remaining === 0
                  ? "You have no recovery codes left: turn MFA off and on again to get new ones, or ask an admin to reset it."
                  : `${me.recovery_codes_remaining} unused recovery ${me.recovery_codes_remaining === 1 ? "code" : "codes"} left.`}
              </p>
              {required ? (
                <p className="text-fg-subtle">Your organisation requires MFA for your role, so it cannot be turned off.</p>
              ) : (
                <Button variant="secondary" className="self-start" onClick={() => setMode({ kind: "disabling" })}>
                  Turn off MFA
                </Button>
              )}
            </div>
          ) : (
            <div className="flex flex-col gap-3 text-sm text-fg-muted">
              <p>Protect your account and the patient data it can reach: even a stolen password is not enough to sign in.</p>
              <Button className="self-start" onClick={() => setMode({ kind: "enrolling" })}>
                Set up MFA
              </Button>
            </div>
          ))}
      </Section>
    </div>
  );
}

const disableSchema = z.object({ code: totpCodeSchema });
type DisableValues = z.infer<typeof disableSchema>;

function DisableMfaForm({ onCancel, onDisabled }: { onCancel: () => void; onDisabled: () => void }) {
  const form = useForm<DisableValues>({ resolver: zodResolver(disableSchema), defaultValues: { code: "" } });
  const { errors, isSubmitting } = form.formState;
  const submit = form.handleSubmit(async ({ code }) => {
    try {
      await unwrap(api.POST("/api/v1/auth/mfa/totp/disable", { body: { code } }));
      onDisabled();
    } catch (error) {
      applyApiError(
        error,
        form.setError,
        { invalid_mfa_code: "code", mfa_required_by_organization: "code" },
        ["code"],
      );
    }
  });
  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-3">
      <p className="text-sm text-fg-muted">Confirm with a current code from your authenticator app.</p>
      <FormError message={errors.root?.server?.message} />
      <TextField
        label="Authentication code"
        inputMode="numeric"
        autoComplete="one-time-code"
        maxLength={7}
        autoFocus
        className="font-mono tracking-widest"
        fieldClassName="sm:w-52"
        error={errors.code?.message}
        {...form.register("code")}
      />
      <div className="flex gap-2">
        <SubmitButton pending={isSubmitting} className="">
          Turn off MFA
        </SubmitButton>
        <Button variant="ghost" onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
