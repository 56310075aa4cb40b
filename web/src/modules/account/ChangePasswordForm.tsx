import { zodResolver } from "@hookform/resolvers/zod";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { FormError } from "@/components/ui/FormError";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import { applyApiError } from "@/lib/forms/apiErrors";
import { currentPasswordSchema, newPasswordSchema, PASSWORD_MIN_LENGTH } from "@/lib/forms/schemas";
import { toast } from "@/lib/toast/toast";

const schema = z
  .object({ current_password: currentPasswordSchema, new_password: newPasswordSchema, confirm: z.string() })
  .refine((v) => v.new_password === v.confirm, { path: ["confirm"], error: "The passwords differ." })
  .refine((v) => v.new_password !== v.current_password, { path: ["new_password"], error: "Choose a password different from the current one." });
type Values = z.infer<typeof schema>;

/** Change the password: the server signs out every other session of this person (all organisations). */
export function ChangePasswordForm() {
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { current_password: "", new_password: "", confirm: "" } });
  const { errors, isSubmitting } = form.formState;

  const submit = form.handleSubmit(async ({ current_password, new_password }) => {
    try {
      const result = await unwrap(api.POST("/api/v1/auth/password", { body: { current_password, new_password } }));
      form.reset();
      const ended = result.sessions_ended;
      toast(ended > 0 ? `Password changed. ${ended} other ${ended === 1 ? "session was" : "sessions were"} signed out.` : "Password changed.", "success");
    } catch (error) {
      applyApiError(
        error,
        form.setError,
        { invalid_current_password: "current_password", rate_limited: "current_password", password_unchanged: "new_password", weak_password: "new_password" },
        ["current_password", "new_password"],
      );
    }
  });

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex max-w-sm flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      <TextField label="Current password" type="password" autoComplete="current-password" error={errors.current_password?.message} {...form.register("current_password")} />
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        hint={`At least ${PASSWORD_MIN_LENGTH} characters; not your e-mail, not a common password.`}
        error={errors.new_password?.message}
        {...form.register("new_password")}
      />
      <TextField label="Repeat the new password" type="password" autoComplete="new-password" error={errors.confirm?.message} {...form.register("confirm")} />
      <SubmitButton pending={isSubmitting} className="self-start">
        Change password
      </SubmitButton>
      <p className="text-xs text-fg-subtle">Your other sessions, on every device and in every organisation, are signed out; this one stays.</p>
    </form>
  );
}
