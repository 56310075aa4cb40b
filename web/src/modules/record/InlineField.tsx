import { zodResolver } from "@hookform/resolvers/zod";
import { useEffect, useId, useState, type KeyboardEvent, type ReactNode } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { Button } from "@/components/ui/Button";
import { Input } from "@/components/ui/Input";
import { Select } from "@/components/ui/Select";
import { cn } from "@/lib/cn";
import { errorMessage } from "@/lib/forms/apiErrors";
import { EMPTY } from "@/modules/records/format";

export type InlineFieldProps = {
  label: string;
  /** What the field shows when not editing (formatted, maybe a link). */
  display: ReactNode;
  /** The raw value the editor starts from. */
  value: string;
  type?: "text" | "email" | "tel" | "number" | "date" | "url";
  /** Makes the editor a select of these options. */
  options?: readonly { value: string; label: string }[];
  /** Validates the text before it is sent (default: at most 200 characters). */
  schema?: z.ZodType<string, string>;
  /** Sends the value; throws the API error to show under the field. */
  onSave: (value: string) => Promise<void>;
  readOnly?: boolean;
};

const defaultSchema = z.string().trim().max(200, "Use at most 200 characters.");

/**
 * One label/value row of a record page that turns into a small form on click: Enter (or Save)
 * sends it, Escape (or Cancel) leaves it unchanged. The error of the API or of validation stays
 * next to the field, and the field stays open so nothing typed is lost.
 */
export function InlineField({ label, display, value, type = "text", options, schema = defaultSchema, onSave, readOnly = false }: InlineFieldProps) {
  const [editing, setEditing] = useState(false);
  const id = useId();
  const isEmpty = display === null || display === undefined || display === "" || display === EMPTY;

  return (
    <div className="grid grid-cols-[minmax(6rem,8.5rem)_minmax(0,1fr)] items-start gap-x-3 py-1.5" data-field={label}>
      <dt className="pt-1.5 text-xs font-medium text-fg-subtle" id={`${id}-label`}>
        {label}
      </dt>
      <dd className="min-w-0">
        {editing ? (
          <InlineEditor
            labelId={`${id}-label`}
            label={label}
            value={value}
            type={type}
            options={options}
            schema={schema}
            onSave={async (next) => {
              await onSave(next);
              setEditing(false);
            }}
            onCancel={() => setEditing(false)}
          />
        ) : readOnly ? (
          <div className="min-h-8 px-2 py-1.5 text-sm break-words text-fg">{isEmpty ? <span className="text-fg-subtle">{EMPTY}</span> : display}</div>
        ) : (
          <button
            type="button"
            onClick={() => setEditing(true)}
            className="group flex min-h-8 w-full cursor-pointer items-center justify-between gap-2 rounded-md px-2 py-1.5 text-left text-sm break-words text-fg hover:bg-surface-hover"
            aria-label={`Edit ${label}`}
          >
            <span className={cn("min-w-0", isEmpty && "text-fg-subtle")}>{isEmpty ? `Add ${label.toLowerCase()}` : display}</span>
            <PencilIcon />
          </button>
        )}
      </dd>
    </div>
  );
}

function PencilIcon() {
  return (
    <svg aria-hidden="true" viewBox="0 0 16 16" className="size-3.5 shrink-0 text-fg-subtle opacity-0 group-hover:opacity-100 group-focus-visible:opacity-100" fill="none" stroke="currentColor" strokeWidth="1.5">
      <path d="M11 2.5l2.5 2.5L6 12.5H3.5V10z" />
    </svg>
  );
}

type EditorProps = Required<Pick<InlineFieldProps, "label" | "value" | "type" | "schema">> &
  Pick<InlineFieldProps, "options"> & { labelId: string; onSave: (value: string) => Promise<void>; onCancel: () => void };

function InlineEditor({ labelId, label, value, type, options, schema, onSave, onCancel }: EditorProps) {
  const form = useForm<{ value: string }>({ resolver: zodResolver(z.object({ value: schema })), defaultValues: { value } });
  const { errors, isSubmitting } = form.formState;
  const errorId = `${labelId}-error`;

  useEffect(() => form.setFocus("value"), [form]);

  const submit = form.handleSubmit(async (values) => {
    if (values.value === value) {
      onCancel();
      return;
    }
    try {
      await onSave(values.value);
    } catch (error) {
      form.setError("value", { type: "server", message: errorMessage(error) });
    }
  });

  const control = {
    "aria-labelledby": labelId,
    "aria-invalid": errors.value ? true : undefined,
    "aria-describedby": errors.value ? errorId : undefined,
    disabled: isSubmitting,
    onKeyDown: (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        onCancel();
      }
    },
    ...form.register("value"),
  };

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-1.5" aria-label={`Edit ${label}`}>
      {options ? (
        <Select className="w-full" {...control}>
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </Select>
      ) : (
        <Input type={type} className="h-8" {...control} />
      )}
      {errors.value?.message && (
        <p id={errorId} role="alert" className="text-xs font-medium text-danger" data-field-error>
          {errors.value.message}
        </p>
      )}
      <div className="flex gap-1.5">
        <Button type="submit" size="sm" disabled={isSubmitting} aria-busy={isSubmitting}>
          Save
        </Button>
        <Button size="sm" variant="ghost" onClick={onCancel} disabled={isSubmitting}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
