import { useId } from "react";
import { Button } from "@/components/ui/Button";
import { Input } from "@/components/ui/Input";
import { Select } from "@/components/ui/Select";
import type { BoardFilters, Pipeline } from "./queries";

export type BoardToolbarProps = {
  pipelines: Pipeline[];
  pipelineId: string;
  onPipelineChange: (pipelineId: string) => void;
  filters: BoardFilters;
  onFiltersChange: (filters: BoardFilters) => void;
  owners: { id: string; name: string }[];
  /** Sales sees only its own deals: an owner filter would be noise. */
  showOwnerFilter: boolean;
};

/** Pipeline switcher and the board's filters (owner, expected close before a date). */
export function BoardToolbar({ pipelines, pipelineId, onPipelineChange, filters, onFiltersChange, owners, showOwnerFilter }: BoardToolbarProps) {
  const id = useId();
  const filtered = Boolean(filters.owner || filters.closeBefore);
  return (
    <div className="flex flex-col gap-3 sm:flex-row sm:flex-wrap sm:items-end">
      <div className="flex flex-col gap-1">
        <label htmlFor={`${id}-pipeline`} className="text-xs font-medium text-fg-muted">
          Pipeline
        </label>
        <Select id={`${id}-pipeline`} className="w-full sm:w-56" value={pipelineId} onChange={(e) => onPipelineChange(e.target.value)}>
          {pipelines.map((pipeline) => (
            <option key={pipeline.id} value={pipeline.id}>
              {pipeline.name}
              {pipeline.archived_at ? " (archived)" : ""}
            </option>
          ))}
        </Select>
      </div>
      {showOwnerFilter && (
        <div className="flex flex-col gap-1">
          <label htmlFor={`${id}-owner`} className="text-xs font-medium text-fg-muted">
            Owner
          </label>
          <Select
            id={`${id}-owner`}
            className="w-full sm:w-48"
            value={filters.owner ?? ""}
            onChange={(e) => onFiltersChange({ ...filters, owner: e.target.value || undefined })}
          >
            <option value="">Anyone</option>
            {owners.map((owner) => (
              <option key={owner.id} value={owner.id}>
                {owner.name}
              </option>
            ))}
          </Select>
        </div>
      )}
      <div className="flex flex-col gap-1">
        <label htmlFor={`${id}-close`} className="text-xs font-medium text-fg-muted">
          Closing before
        </label>
        <Input
          id={`${id}-close`}
          type="date"
          className="w-full sm:w-44"
          value={filters.closeBefore ?? ""}
          onChange={(e) => onFiltersChange({ ...filters, closeBefore: e.target.value || undefined })}
        />
      </div>
      {filtered && (
        <Button variant="ghost" size="sm" className="self-start sm:self-end" onClick={() => onFiltersChange({})}>
          Clear filters
        </Button>
      )}
    </div>
  );
}
