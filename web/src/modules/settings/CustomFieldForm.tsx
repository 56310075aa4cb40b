import { zodResolver } from "@hookform/resolvers/zod";
import { useForm, useWatch } from "react-hook-form";
import { z } from "zod";
import type { components } from "@/client/schema";
import { Button } from "@/components/ui/Button";
import { Checkbox } from "@/components/ui/Checkbox";
import { Field } from "@/components/ui/Field";
import { FormError } from "@/components/ui/FormError";
import { Select } from "@/components/ui/Select";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import { applyApiError } from "@/lib/forms/apiErrors";

export type CustomField = components["schemas"]["CustomFieldOut"];
export type FieldObjectType = "contact" | "company" | "lead" | "deal";

export const FIELD_TYPES = [
  { value: "text", label: "Text" },
  { value: "number", label: "Number" },
  { value: "currency", label: "Currency amount" },
  { value: "date", label: "Date" },
  { value: "boolean", label: "Yes / no" },
  { value: "select", label: "Single select" },
  { value: "multiselect", label: "Multi select" },
  { value: "url", label: "URL" },
  { value: "email", label: "E-mail" },
  { value: "phone", label: "Phone" },
] as const;
type FieldType = (typeof FIELD_TYPES)[number]["value"];
const FIELD_TYPE_VALUES = FIELD_TYPES.map((t) => t.value) as [FieldType, ...FieldType[]];

/** Types that cannot be marked PII (the backend encrypts only text-like, number and date values). */
export const NO_PII: readonly string[] = ["multiselect", "boolean"];
const HAS_OPTIONS: readonly string[] = ["select", "multiselect"];

/** "Patient number" → "patient_number": the key the API and filters use (`cf.<key>`). */
export function keyFromLabel(label: string): string {
  const key = label
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^[^a-z]+/, "")
    .replace(/_+$/, "")
    .slice(0, 60);
  return key;
}

/** One option per line, trimmed, blank lines dropped. */
export function parseOptions(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
}

const schema = z
  .object({
    label: z.string().trim().min(1, "Name the field.").max(120, "Use at most 120 characters."),
    key: z.string().trim(),
    field_type: z.enum(FIELD_TYPE_VALUES),
    required: z.boolean(),
    is_pii: z.boolean(),
    options: z.string(),
    currency: z.string().trim().toUpperCase(),
  })
  .superRefine((values, ctx) => {
    if (!/^[a-z][a-z0-9_]{0,59}$/.test(values.key)) {
      ctx.addIssue({ code: "custom", path: ["key"], message: "Use lowercase letters, digits and _, starting with a letter." });
    }
    if (HAS_OPTIONS.includes(values.field_type)) {
      const options = parseOptions(values.options);
      if (options.length === 0) ctx.addIssue({ code: "custom", path: ["options"], message: "Give at least one option." });
      else if (new Set(options).size !== options.length) ctx.addIssue({ code: "custom", path: ["options"], message: "Each option must be different." });
      else if (options.length > 200) ctx.addIssue({ code: "custom", path: ["options"], message: "Use at most 200 options." });
    }
    if (values.field_type === "currency" && values.currency !== "" && !/^[A-Z]{3}$/.test(values.currency)) {
      ctx.addIssue({ code: "custom", path: ["currency"], message: "Use a 3-letter code such as EUR." });
    }
  });
type Values = z.infer<typeof schema>;
const NAMES = ["label", "key", "field_type", "required", "is_pii", "options", "currency"] as const;

export type CustomFieldFormProps = {
  objectType: FieldObjectType;
  /** The field being edited; absent to create one. Type, key and PII cannot change after creation. */
  field?: CustomField | undefined;
  onCancel: () => void;
  onSaved: (field: CustomField) => void;
};

/** Create or edit a custom field: label, key, type, required, personal data, select options. */
export function CustomFieldForm({ objectType, field, onCancel, onSaved }: CustomFieldFormProps) {
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: {
      label: field?.label ?? "",
      key: field?.key ?? "",
      field_type: (field?.field_type as FieldType | undefined) ?? "text",
      required: field?.required ?? false,
      is_pii: field?.is_pii ?? false,
      options: (field?.options ?? []).join("\n"),
      currency: field?.currency ?? "",
    },
  });
  const { errors, isSubmitting, dirtyFields } = form.formState;
  const fieldType = useWatch({ control: form.control, name: "field_type" });
  const editing = field !== undefined;

  const submit = form.handleSubmit(async (values) => {
    const options = HAS_OPTIONS.includes(values.field_type) ? parseOptions(values.options) : null;
    try {
      const saved = field
        ? await unwrap(
            api.PATCH("/api/v1/custom-fields/{field_id}", {
              params: { path: { field_id: field.id } },
              body: { label: values.label, required: values.required, ...(options ? { options } : {}) },
            }),
          )
        : await unwrap(
            api.POST("/api/v1/custom-fields", {
              body: {
                object_type: objectType,
                key: values.key,
                label: values.label,
                field_type: values.field_type,
                required: values.required,
                is_pii: NO_PII.includes(values.field_type) ? false : values.is_pii,
                options,
                currency: values.field_type === "currency" && values.currency ? values.currency : null,
              },
            }),
          );
      onSaved(saved);
    } catch (error) {
      applyApiError(
        error,
        form.setError,
        { field_exists: "key", invalid_key: "key", invalid_options: "options", invalid_field_type: "field_type", invalid_pii_field: "is_pii" },
        [...NAMES],
      );
    }
  });

  const labelField = form.register("label", {
    onChange: (event: { target: { value: string } }) => {
      // The key follows the label until someone edits the key itself.
      if (!editing && !dirtyFields.key) form.setValue("key", keyFromLabel(event.target.value), { shouldValidate: false });
    },
  });

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      <TextField label="Label" autoFocus error={errors.label?.message} {...labelField} />
      <TextField
        label="Key"
        hint={editing ? "The key cannot change." : "Used in filters and the API as cf.<key>."}
        disabled={editing}
        error={errors.key?.message}
        className="font-mono"
        {...form.register("key")}
      />
      <Field label="Type" error={errors.field_type?.message} hint={editing ? "The type cannot change." : undefined}>
        {(control) => (
          <Select {...control} className="w-full" disabled={editing} {...form.register("field_type")}>
            {FIELD_TYPES.map((type) => (
              <option key={type.value} value={type.value}>
                {type.label}
              </option>
            ))}
          </Select>
        )}
      </Field>
      {HAS_OPTIONS.includes(fieldType) && (
        <Field label="Options" error={errors.options?.message} hint={editing ? "One per line. Options in use cannot be removed." : "One per line."}>
          {(control) => (
            <textarea
              {...control}
              rows={5}
              className="block w-full rounded-md border border-border-strong bg-surface px-3 py-2 text-sm text-fg shadow-xs aria-invalid:border-danger"
              {...form.register("options")}
            />
          )}
        </Field>
      )}
      {fieldType === "currency" && !editing && (
        <TextField label="Currency" placeholder="EUR" maxLength={3} error={errors.currency?.message} {...form.register("currency")} />
      )}
      <Checkbox label="Required" description="Records cannot be saved without a value." {...form.register("required")} />
      {!NO_PII.includes(fieldType) && (
        <Checkbox
          label="Personal data (PII)"
          description={editing ? "Set when the field was created." : "Stored encrypted; filters only by exact value or emptiness, and never kept in saved views."}
          disabled={editing}
          {...form.register("is_pii")}
        />
      )}
      {errors.is_pii?.message && <p className="text-xs font-medium text-danger">{errors.is_pii.message}</p>}
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <SubmitButton pending={isSubmitting} className="">
          {editing ? "Save field" : "Create field"}
        </SubmitButton>
      </div>
    </form>
  );
}
