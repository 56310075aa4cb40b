import { zodResolver } from "@hookform/resolvers/zod";
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { Alert } from "@/components/ui/Alert";
import { FormError } from "@/components/ui/FormError";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { Spinner } from "@/components/ui/Spinner";
import { isApiError } from "@/lib/api/ApiError";
import { api, unwrap } from "@/lib/api/client";
import { auth } from "@/lib/auth/auth";
import { roleLabel } from "@/lib/auth/roles";
import { applyApiError, errorMessage } from "@/lib/forms/apiErrors";
import { currentPasswordSchema, newPasswordSchema, PASSWORD_MIN_LENGTH } from "@/lib/forms/schemas";
import { AuthCard } from "./AuthCard";

const newAccount = z
  .object({
    full_name: z.string().trim().min(1, "Enter your name.").max(200, "Use at most 200 characters."),
    password: newPasswordSchema,
    confirm: z.string(),
  })
  .refine((values) => values.password === values.confirm, { path: ["confirm"], error: "The passwords differ." });
const existingAccount = z.object({ full_name: z.string(), password: currentPasswordSchema, confirm: z.string() });
type Values = z.infer<typeof newAccount>;

export type AcceptInvitationPageProps = {
  token: string | undefined;
  onAccepted: () => void;
};

/**
 * Joins an organisation from an invitation link. New people choose a name and password; people
 * who already have a CliniGlobal account confirm with their existing password.
 */
/** Why an invitation link no longer works, by the preview's status (404 unknown, 409 used, 410 expired). */
function invalidLinkMessage(error: unknown): string {
  if (isApiError(error) && error.status === 404) return "This invitation link is not valid. Check that you opened the whole link, or ask for a new invitation.";
  if (isApiError(error) && error.status === 409) return "This invitation has already been accepted. Sign in to continue.";
  if (isApiError(error) && error.status === 410) return "This invitation has expired or was withdrawn. Ask the person who invited you for a new one.";
  return errorMessage(error);
}

export function AcceptInvitationPage({ token, onAccepted }: AcceptInvitationPageProps) {
  const preview = useQuery({
    queryKey: ["auth", "invitation", token],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/auth/invitations/{token}", { signal, params: { path: { token: token ?? "" } } })),
    enabled: token !== undefined,
    retry: false,
  });
  // Until the person picks, the preview says whether their e-mail already has an account.
  const [choice, setChoice] = useState<boolean>();
  const existing = choice ?? preview.data?.account_exists ?? false;

  if (!token) {
    return (
      <AuthCard title="Accept invitation">
        <Alert tone="danger">This page needs the link from your invitation e-mail. Open the link again, or ask for a new invitation.</Alert>
      </AuthCard>
    );
  }
  if (preview.isPending) {
    return (
      <AuthCard title="Accept invitation">
        <Spinner label="Checking your invitation…" showLabel className="justify-center py-6" />
      </AuthCard>
    );
  }
  if (preview.isError) {
    return (
      <AuthCard
        title="Accept invitation"
        footer={
          <Link to="/sign-in" className="rounded font-medium text-accent hover:underline">
            Go to sign in
          </Link>
        }
      >
        <Alert tone="danger">{invalidLinkMessage(preview.error)}</Alert>
      </AuthCard>
    );
  }

  const invitation = preview.data;
  return (
    <AuthCard
      title={`Join ${invitation.organization_name}`}
      description={
        <>
          {invitation.invited_by ? `${invitation.invited_by} invited ` : "You are invited as "}
          <strong className="font-medium text-fg">{invitation.email}</strong>
          {invitation.invited_by ? " to join as " : " "}
          {invitation.invited_by ? roleLabel(invitation.role) : `(${roleLabel(invitation.role)})`}.{" "}
          {existing ? "Confirm with the password of your existing CliniGlobal account." : "Choose your name and a password to accept."}
        </>
      }
      footer={
        <button
          type="button"
          onClick={() => setChoice(!existing)}
          className="cursor-pointer rounded font-medium text-accent hover:underline"
        >
          {existing ? "I'm new to CliniGlobal" : "I already have a CliniGlobal account"}
        </button>
      }
    >
      <AcceptForm key={String(existing)} token={token} existing={existing} onAccepted={onAccepted} />
    </AuthCard>
  );
}

function AcceptForm({ token, existing, onAccepted }: { token: string; existing: boolean; onAccepted: () => void }) {
  const form = useForm<Values>({
    resolver: zodResolver(existing ? existingAccount : newAccount),
    defaultValues: { full_name: "", password: "", confirm: "" },
  });
  const { errors, isSubmitting } = form.formState;

  const submit = form.handleSubmit(async ({ full_name, password }) => {
    try {
      const result = await auth.acceptInvitation({ token, password, full_name: existing ? null : full_name });
      if (result.status === "mfa_required") {
        form.setError("root.server", {
          message: "Invitation accepted. Your account uses two-step sign-in: sign in with your password and code.",
        });
        return;
      }
      onAccepted();
    } catch (error) {
      applyApiError(
        error,
        form.setError,
        { weak_password: "password", invalid_credentials: "password", name_required: "full_name" },
        ["full_name", "password"],
      );
    }
  });

  const invalid = errors.root?.server;
  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={invalid?.message} />
      {invalid && (
        <p className="-mt-2 text-sm text-fg-muted">
          Already accepted it?{" "}
          <Link to="/sign-in" className="rounded font-medium text-accent hover:underline">
            Sign in
          </Link>
        </p>
      )}
      {!existing && (
        <TextField label="Your name" autoComplete="name" autoFocus error={errors.full_name?.message} {...form.register("full_name")} />
      )}
      <TextField
        label={existing ? "Your password" : "Password"}
        type="password"
        autoComplete={existing ? "current-password" : "new-password"}
        autoFocus={existing}
        hint={existing ? undefined : `At least ${PASSWORD_MIN_LENGTH} characters; not your e-mail, not a common password.`}
        error={errors.password?.message}
        {...form.register("password")}
      />
      {!existing && (
        <TextField
          label="Repeat the password"
          type="password"
          autoComplete="new-password"
          error={errors.confirm?.message}
          {...form.register("confirm")}
        />
      )}
      <SubmitButton pending={isSubmitting}>Accept invitation</SubmitButton>
    </form>
  );
}
