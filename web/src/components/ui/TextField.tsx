import type { ComponentProps, ReactNode } from "react";
import { Field } from "./Field";
import { Input } from "./Input";

export type TextFieldProps = Omit<ComponentProps<"input">, "id"> & {
  label: ReactNode;
  error?: string | undefined;
  hint?: ReactNode;
  aside?: ReactNode;
  fieldClassName?: string;
};

/** A labelled text input with hint and error; spread react-hook-form's `register()` into it. */
export function TextField({ label, error, hint, aside, fieldClassName, ...inputProps }: TextFieldProps) {
  return (
    <Field label={label} error={error} hint={hint} aside={aside} className={fieldClassName}>
      {(control) => <Input {...inputProps} {...control} />}
    </Field>
  );
}
