import { zodResolver } from "@hookform/resolvers/zod";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { Alert } from "@/components/ui/Alert";
import { FormError } from "@/components/ui/FormError";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { auth } from "@/lib/auth/auth";
import { applyApiError } from "@/lib/forms/apiErrors";
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
export function AcceptInvitationPage({ token, onAccepted }: AcceptInvitationPageProps) {
  const [existing, setExisting] = useState(false);

  if (!token) {
    return (
      <AuthCard title="Accept invitation">
        <Alert tone="danger">This page needs the link from your invitation e-mail. Open the link again, or ask for a new invitation.</Alert>
      </AuthCard>
    );
  }

  return (
    <AuthCard
      title="Join your team on CliniGlobal"
      description={
        existing
          ? "Confirm with the password of your existing CliniGlobal account."
          : "Choose your name and a password to accept the invitation."
      }
      footer={
        <button
          type="button"
          onClick={() => setExisting((value) => !value)}
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
