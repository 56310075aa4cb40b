import { Input } from "@/components/ui/Input";
import { Select } from "@/components/ui/Select";
import { humanize } from "./format";
import type { FilterField, FilterOp } from "./listQuery";

export type Option = { value: string; label: string };
export type FilterOptions = Partial<Record<NonNullable<FilterField["source"]>, Option[]>>;

export type FilterValueInputProps = {
  field: FilterField;
  op: FilterOp;
  value: string;
  onChange: (value: string) => void;
  options: FilterOptions;
  id?: string;
  invalid?: boolean;
};

/** The value control that suits a field and operator: a list to pick from, a date, a number or text. */
export function FilterValueInput({ field, op, value, onChange, options, id, invalid }: FilterValueInputProps) {
  const common = { id, "aria-invalid": invalid || undefined, "aria-label": "Value" } as const;
  if (op === "empty") {
    return (
      <Select {...common} className="w-full" value={value || "true"} onChange={(event) => onChange(event.target.value)}>
        <option value="true">yes</option>
        <option value="false">no (has a value)</option>
      </Select>
    );
  }
  if (field.kind === "boolean") {
    return (
      <Select {...common} className="w-full" value={value || "true"} onChange={(event) => onChange(event.target.value)}>
        <option value="true">Yes</option>
        <option value="false">No</option>
      </Select>
    );
  }
  const choices: Option[] | undefined = field.source
    ? options[field.source]
    : field.choices?.map((choice) => ({ value: choice, label: field.kind === "enum" && !field.name.startsWith("cf.") ? humanize(choice) : choice }));
  if (choices && op === "in") {
    const picked = new Set(value.split(",").filter(Boolean));
    return (
      <fieldset className="flex max-h-44 flex-col gap-1 overflow-y-auto rounded-md border border-border p-2" aria-label="Values">
        {choices.map((choice) => (
          <label key={choice.value} className="flex cursor-pointer items-center gap-2 text-sm">
            <input
              type="checkbox"
              className="size-4 accent-accent"
              checked={picked.has(choice.value)}
              onChange={(event) => {
                const next = new Set(picked);
                if (event.target.checked) next.add(choice.value);
                else next.delete(choice.value);
                onChange(choices.filter((c) => next.has(c.value)).map((c) => c.value).join(","));
              }}
            />
            {choice.label}
          </label>
        ))}
      </fieldset>
    );
  }
  if (choices) {
    return (
      <Select {...common} className="w-full" value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">Choose…</option>
        {choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </Select>
    );
  }
  if (field.kind === "date" || field.kind === "datetime") {
    return <Input {...common} type="date" value={value.slice(0, 10)} onChange={(event) => onChange(event.target.value)} />;
  }
  if (field.kind === "number") {
    return <Input {...common} type="number" inputMode="decimal" step="any" value={value} onChange={(event) => onChange(event.target.value)} />;
  }
  return <Input {...common} type="text" value={value} maxLength={500} onChange={(event) => onChange(event.target.value)} />;
}
