import type { FieldErrors, UseFormRegister } from "react-hook-form";
import { Field } from "@/components/ui/Field";
import { Input } from "@/components/ui/Input";
import { Select } from "@/components/ui/Select";
import type { CustomFieldDefinition } from "../format";
import type { CustomFormValues } from "./customValues";

type WithCustom = { custom?: CustomFormValues };

const INPUT_TYPES: Record<string, string> = { number: "number", currency: "number", date: "date", url: "url", email: "email", phone: "tel" };

/** The organisation's custom fields of an object as form controls, by type. */
export function CustomFieldInputs({
  definitions,
  register,
  errors,
}: {
  definitions: readonly CustomFieldDefinition[];
  register: UseFormRegister<WithCustom>;
  errors: FieldErrors<WithCustom>;
}) {
  if (definitions.length === 0) return null;
  return (
    <fieldset className="flex flex-col gap-4 border-t border-border pt-4">
      <legend className="sr-only">Custom fields</legend>
      {definitions.map((definition) => {
        const name = `custom.${definition.key}` as const;
        const error = (errors.custom?.[definition.key] as { message?: string } | undefined)?.message;
        const label = `${definition.label}${definition.required ? " *" : ""}`;
        if (definition.field_type === "boolean") {
          return (
            <label key={definition.key} className="flex cursor-pointer items-center gap-2 text-sm font-medium text-fg">
              <input type="checkbox" className="size-4 accent-accent" {...register(name)} />
              {definition.label}
            </label>
          );
        }
        if (definition.field_type === "multiselect") {
          return (
            <fieldset key={definition.key} className="flex flex-col gap-1.5">
              <legend className="mb-1.5 text-sm font-medium text-fg">{label}</legend>
              <div className="flex flex-wrap gap-x-4 gap-y-1">
                {(definition.options ?? []).map((option) => (
                  <label key={option} className="flex cursor-pointer items-center gap-2 text-sm">
                    <input type="checkbox" value={option} className="size-4 accent-accent" {...register(name)} />
                    {option}
                  </label>
                ))}
              </div>
              {error && <p className="text-xs font-medium text-danger">{error}</p>}
            </fieldset>
          );
        }
        return (
          <Field key={definition.key} label={label} error={error} hint={definition.is_pii ? "Personal data: stored encrypted." : undefined}>
            {(control) =>
              definition.field_type === "select" ? (
                <Select {...control} className="w-full" {...register(name)}>
                  <option value="">—</option>
                  {(definition.options ?? []).map((option) => (
                    <option key={option} value={option}>
                      {option}
                    </option>
                  ))}
                </Select>
              ) : (
                <Input
                  {...control}
                  type={INPUT_TYPES[definition.field_type] ?? "text"}
                  step={definition.field_type === "number" || definition.field_type === "currency" ? "any" : undefined}
                  {...register(name)}
                />
              )
            }
          </Field>
        );
      })}
    </fieldset>
  );
}
