import { zodResolver } from "@hookform/resolvers/zod";
import { Link } from "@tanstack/react-router";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { FormError } from "@/components/ui/FormError";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { auth } from "@/lib/auth/auth";
import { applyApiError } from "@/lib/forms/apiErrors";
import { emailSchema, newPasswordSchema, PASSWORD_MIN_LENGTH } from "@/lib/forms/schemas";
import { AuthCard } from "./AuthCard";

const schema = z.object({
  organization_name: z.string().trim().min(1, "Name your organisation.").max(200, "Use at most 200 characters."),
  full_name: z.string().trim().min(1, "Enter your name.").max(200, "Use at most 200 characters."),
  email: emailSchema,
  password: newPasswordSchema,
});
export type SignUpValues = z.infer<typeof schema>;

const fields = ["organization_name", "full_name", "email", "password"] as const;

export function SignUpPage({ onSignedUp }: { onSignedUp: () => void }) {
  const form = useForm<SignUpValues>({
    resolver: zodResolver(schema),
    defaultValues: { organization_name: "", full_name: "", email: "", password: "" },
  });
  const { errors, isSubmitting } = form.formState;

  const submit = form.handleSubmit(async (values) => {
    try {
      await auth.signUp(values);
      onSignedUp();
    } catch (error) {
      applyApiError(
        error,
        form.setError,
        { weak_password: "password", invalid_email: "email", email_taken: "email", slug_taken: "organization_name" },
        fields,
      );
    }
  });

  return (
    <AuthCard
      title="Create your organisation"
      description="You become its first admin and can invite your team next."
      footer={
        <>
          Already have an account?{" "}
          <Link to="/sign-in" className="rounded font-medium text-accent hover:underline">
            Sign in
          </Link>
        </>
      }
    >
      <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
        <FormError message={errors.root?.server?.message} />
        <TextField
          label="Organisation name"
          autoComplete="organization"
          autoFocus
          error={errors.organization_name?.message}
          {...form.register("organization_name")}
        />
        <TextField label="Your name" autoComplete="name" error={errors.full_name?.message} {...form.register("full_name")} />
        <TextField label="Work e-mail" type="email" autoComplete="email" error={errors.email?.message} {...form.register("email")} />
        <TextField
          label="Password"
          type="password"
          autoComplete="new-password"
          hint={`At least ${PASSWORD_MIN_LENGTH} characters; not your e-mail, not a common password.`}
          error={errors.password?.message}
          {...form.register("password")}
        />
        <SubmitButton pending={isSubmitting}>Create organisation</SubmitButton>
      </form>
    </AuthCard>
  );
}
