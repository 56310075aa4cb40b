import * as Popover from "@radix-ui/react-popover";
import { useId, useState } from "react";
import { Button } from "@/components/ui/Button";
import { Select } from "@/components/ui/Select";
import { FilterValueInput, type FilterOptions } from "./FilterValueInput";
import { OPERATORS, operatorLabel, type Filter, type FilterField, type FilterOp } from "./listQuery";

export type FilterBuilderProps = {
  fields: FilterField[];
  options: FilterOptions;
  onAdd: (filter: Filter) => void;
  activeCount: number;
};

function firstOp(field: FilterField): FilterOp {
  return OPERATORS[field.kind][0] ?? "eq";
}

function defaultValue(field: FilterField, op: FilterOp): string {
  return op === "empty" || field.kind === "boolean" ? "true" : "";
}

/** "Filter" button with a popover to add one condition: field, operator (by field type), value. */
export function FilterBuilder({ fields, options, onAdd, activeCount }: FilterBuilderProps) {
  const [open, setOpen] = useState(false);
  const [fieldName, setFieldName] = useState(fields[0]?.name ?? "");
  const field = fields.find((f) => f.name === fieldName) ?? fields[0];
  const [op, setOp] = useState<FilterOp>(field ? firstOp(field) : "eq");
  const [value, setValue] = useState("");
  const [error, setError] = useState<string>();
  const id = useId();

  if (!field) return null;
  const ops = OPERATORS[field.kind];
  const currentOp = ops.includes(op) ? op : firstOp(field);

  const chooseField = (name: string) => {
    const next = fields.find((f) => f.name === name);
    if (!next) return;
    const nextOp = firstOp(next);
    setFieldName(name);
    setOp(nextOp);
    setValue(defaultValue(next, nextOp));
    setError(undefined);
  };

  const add = () => {
    const finalValue = value.trim() || defaultValue(field, currentOp);
    if (finalValue === "") {
      setError("Enter a value to filter by.");
      return;
    }
    onAdd({ field: field.name, op: currentOp, value: finalValue });
    setValue("");
    setError(undefined);
    setOpen(false);
  };

  return (
    <Popover.Root open={open} onOpenChange={setOpen}>
      <Popover.Trigger asChild>
        <Button variant="secondary" size="sm" aria-label={activeCount > 0 ? `Filter (${activeCount} active)` : "Filter"}>
          <svg aria-hidden="true" viewBox="0 0 16 16" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="1.6">
            <path d="M2 3h12l-4.5 5.5V13l-3 1V8.5z" strokeLinejoin="round" />
          </svg>
          Filter{activeCount > 0 && <span className="rounded-full bg-accent-subtle px-1.5 text-accent-fg">{activeCount}</span>}
        </Button>
      </Popover.Trigger>
      <Popover.Portal>
        <Popover.Content
          align="start"
          sideOffset={6}
          collisionPadding={8}
          className="z-50 w-80 max-w-[calc(100vw-1rem)] rounded-lg border border-border bg-surface p-3 shadow-lg outline-none"
        >
          <form
            className="flex flex-col gap-3"
            aria-label="Add a filter"
            onSubmit={(event) => {
              event.preventDefault();
              add();
            }}
          >
            <div className="flex flex-col gap-1.5">
              <label htmlFor={`${id}-field`} className="text-sm font-medium text-fg">
                Field
              </label>
              <Select id={`${id}-field`} className="w-full" value={field.name} onChange={(event) => chooseField(event.target.value)}>
                {fields.map((f) => (
                  <option key={f.name} value={f.name}>
                    {f.label}
                  </option>
                ))}
              </Select>
            </div>
            <div className="flex flex-col gap-1.5">
              <label htmlFor={`${id}-op`} className="text-sm font-medium text-fg">
                Condition
              </label>
              <Select
                id={`${id}-op`}
                className="w-full"
                value={currentOp}
                onChange={(event) => {
                  const next = event.target.value as FilterOp;
                  setOp(next);
                  setValue(defaultValue(field, next));
                }}
              >
                {ops.map((o) => (
                  <option key={o} value={o}>
                    {operatorLabel(field.kind, o)}
                  </option>
                ))}
              </Select>
            </div>
            <div className="flex flex-col gap-1.5">
              <label htmlFor={`${id}-value`} className="text-sm font-medium text-fg">
                Value
              </label>
              <FilterValueInput
                id={`${id}-value`}
                field={field}
                op={currentOp}
                value={value}
                onChange={(next) => {
                  setValue(next);
                  setError(undefined);
                }}
                options={options}
                invalid={error !== undefined}
              />
              {error && <p className="text-xs font-medium text-danger">{error}</p>}
            </div>
            <div className="flex justify-end gap-2">
              <Button variant="secondary" size="sm" onClick={() => setOpen(false)}>
                Cancel
              </Button>
              <Button type="submit" size="sm">
                Add filter
              </Button>
            </div>
          </form>
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  );
}
