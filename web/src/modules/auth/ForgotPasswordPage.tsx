import { zodResolver } from "@hookform/resolvers/zod";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { Alert } from "@/components/ui/Alert";
import { FormError } from "@/components/ui/FormError";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import { applyApiError } from "@/lib/forms/apiErrors";
import { emailSchema } from "@/lib/forms/schemas";
import { AuthCard } from "./AuthCard";

const schema = z.object({ email: emailSchema });
type Values = z.infer<typeof schema>;

export function ForgotPasswordPage() {
  const [sentTo, setSentTo] = useState<string>();
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { email: "" } });
  const { errors, isSubmitting } = form.formState;

  const submit = form.handleSubmit(async ({ email }) => {
    try {
      await unwrap(api.POST("/api/v1/auth/password/forgot", { body: { email } }));
      setSentTo(email);
    } catch (error) {
      applyApiError(error, form.setError, {}, ["email"]);
    }
  });

  const back = (
    <Link to="/sign-in" className="rounded font-medium text-accent hover:underline">
      Back to sign in
    </Link>
  );

  if (sentTo) {
    return (
      <AuthCard title="Check your e-mail" footer={back}>
        <Alert tone="success">
          If an account exists for <strong>{sentTo}</strong>, we sent it a link to set a new password. The link works
          once, for one hour.
        </Alert>
      </AuthCard>
    );
  }

  return (
    <AuthCard
      title="Reset your password"
      description="Enter the e-mail you sign in with and we'll send you a reset link."
      footer={back}
    >
      <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
        <FormError message={errors.root?.server?.message} />
        <TextField label="E-mail" type="email" autoComplete="email" autoFocus error={errors.email?.message} {...form.register("email")} />
        <SubmitButton pending={isSubmitting}>Send reset link</SubmitButton>
      </form>
    </AuthCard>
  );
}
