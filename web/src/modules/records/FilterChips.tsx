import { Button } from "@/components/ui/Button";
import { humanize } from "./format";
import type { FilterOptions } from "./FilterValueInput";
import { operatorLabel, type Filter, type FilterField } from "./listQuery";

export type FilterChipsProps = {
  filters: Filter[];
  fields: FilterField[];
  options: FilterOptions;
  onRemove: (index: number) => void;
  onClear: () => void;
  /** The API's complaint about the filters (e.g. an unknown field), shown beside them. */
  error?: string | undefined;
};

function describeValue(filter: Filter, field: FilterField | undefined, options: FilterOptions): string {
  if (filter.op === "empty") return filter.value === "false" ? "no" : "yes";
  if (field?.kind === "boolean") return filter.value === "true" ? "Yes" : "No";
  const list = field?.source ? options[field.source] : undefined;
  const labelOf = (value: string) => list?.find((o) => o.value === value)?.label ?? (field?.kind === "enum" ? humanize(value) : value);
  return filter.value.split(",").map(labelOf).join(", ");
}

/** The active filters as removable chips. */
export function FilterChips({ filters, fields, options, onRemove, onClear, error }: FilterChipsProps) {
  if (filters.length === 0 && !error) return null;
  return (
    <div className="flex flex-wrap items-center gap-2" aria-label="Active filters" role="group">
      {filters.map((filter, index) => {
        const field = fields.find((f) => f.name === filter.field);
        const text = `${field?.label ?? filter.field} ${field ? operatorLabel(field.kind, filter.op) : filter.op} ${filter.op === "empty" && filter.value === "false" ? "(not empty)" : describeValue(filter, field, options)}`;
        return (
          <span
            key={`${filter.field}-${filter.op}-${index}`}
            data-testid="filter-chip"
            className="inline-flex max-w-full items-center gap-1 rounded-full border border-accent-subtle bg-accent-subtle py-0.5 pr-1 pl-2.5 text-xs text-accent-fg"
          >
            <span className="truncate">{filter.op === "empty" ? `${field?.label ?? filter.field} ${filter.value === "false" ? "is not empty" : "is empty"}` : text}</span>
            <button
              type="button"
              onClick={() => onRemove(index)}
              className="inline-flex size-5 cursor-pointer items-center justify-center rounded-full hover:bg-accent/10"
              aria-label={`Remove filter ${text}`}
            >
              <span aria-hidden="true">×</span>
            </button>
          </span>
        );
      })}
      {filters.length > 1 && (
        <Button variant="ghost" size="sm" onClick={onClear}>
          Clear filters
        </Button>
      )}
      {error && (
        <p role="alert" className="w-full text-xs font-medium text-danger" data-field-error>
          {error}
        </p>
      )}
    </div>
  );
}
