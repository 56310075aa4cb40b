import { zodResolver } from "@hookform/resolvers/zod";
import { Link } from "@tanstack/react-router";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { FormError } from "@/components/ui/FormError";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { applyApiError } from "@/lib/forms/apiErrors";
import { currentPasswordSchema, emailSchema } from "@/lib/forms/schemas";

const schema = z.object({ email: emailSchema, password: currentPasswordSchema });
export type PasswordValues = z.infer<typeof schema>;

export function PasswordStep({ onSubmit }: { onSubmit: (values: PasswordValues) => Promise<void> }) {
  const form = useForm<PasswordValues>({ resolver: zodResolver(schema), defaultValues: { email: "", password: "" } });
  const { errors, isSubmitting } = form.formState;

  const submit = form.handleSubmit(async (values) => {
    try {
      await onSubmit(values);
    } catch (error) {
      // Wrong e-mail and wrong password get one answer on purpose: show it for the pair.
      applyApiError(error, form.setError, { invalid_email: "email" }, ["email", "password"]);
    }
  });

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      <TextField
        label="E-mail"
        type="email"
        autoComplete="username"
        autoFocus
        error={errors.email?.message}
        {...form.register("email")}
      />
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        error={errors.password?.message}
        aside={
          <Link to="/forgot-password" className="rounded text-xs font-medium text-accent hover:underline">
            Forgot password?
          </Link>
        }
        {...form.register("password")}
      />
      <SubmitButton pending={isSubmitting}>Sign in</SubmitButton>
    </form>
  );
}
