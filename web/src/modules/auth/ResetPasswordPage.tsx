import { zodResolver } from "@hookform/resolvers/zod";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { Alert } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { FormError } from "@/components/ui/FormError";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import { applyApiError } from "@/lib/forms/apiErrors";
import { newPasswordSchema, PASSWORD_MIN_LENGTH } from "@/lib/forms/schemas";
import { AuthCard } from "./AuthCard";

const schema = z
  .object({ new_password: newPasswordSchema, confirm: z.string() })
  .refine((values) => values.new_password === values.confirm, { path: ["confirm"], error: "The passwords differ." });
type Values = z.infer<typeof schema>;

export function ResetPasswordPage({ token }: { token: string | undefined }) {
  const [done, setDone] = useState(false);
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { new_password: "", confirm: "" } });
  const { errors, isSubmitting } = form.formState;

  const submit = form.handleSubmit(async ({ new_password }) => {
    try {
      await unwrap(api.POST("/api/v1/auth/password/reset", { body: { token: token ?? "", new_password } }));
      setDone(true);
    } catch (error) {
      applyApiError(error, form.setError, { weak_password: "new_password" }, ["new_password"]);
    }
  });

  if (!token) {
    return (
      <AuthCard title="Reset your password">
        <Alert tone="danger">This page needs the link from the reset e-mail. Ask for a new one.</Alert>
        <Button asChild variant="secondary">
          <Link to="/forgot-password">Send me a new link</Link>
        </Button>
      </AuthCard>
    );
  }

  if (done) {
    return (
      <AuthCard title="Password changed">
        <Alert tone="success">Your new password is set. Every session you had has been signed out.</Alert>
        <Button asChild>
          <Link to="/sign-in">Sign in</Link>
        </Button>
      </AuthCard>
    );
  }

  return (
    <AuthCard
      title="Choose a new password"
      footer={
        <Link to="/sign-in" className="rounded font-medium text-accent hover:underline">
          Back to sign in
        </Link>
      }
    >
      <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
        <FormError message={errors.root?.server?.message} />
        {errors.root?.server && (
          <Link to="/forgot-password" className="-mt-2 rounded text-sm font-medium text-accent hover:underline">
            Send me a new link
          </Link>
        )}
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          autoFocus
          hint={`At least ${PASSWORD_MIN_LENGTH} characters; not your e-mail, not a common password.`}
          error={errors.new_password?.message}
          {...form.register("new_password")}
        />
        <TextField
          label="Repeat the new password"
          type="password"
          autoComplete="new-password"
          error={errors.confirm?.message}
          {...form.register("confirm")}
        />
        <SubmitButton pending={isSubmitting}>Set new password</SubmitButton>
      </form>
    </AuthCard>
  );
}
