import { Button } from "@/components/ui/Button";
import { MenuContent, MenuItem, MenuRoot, MenuTrigger } from "@/components/ui/Menu";
import { STAGE_ACTION_LABEL, type BulkAction } from "./bulkActions";
import { BULK_LIMIT, type ObjectKey } from "./recordApi";

export type BulkBarProps = {
  object: ObjectKey;
  count: number;
  canUpdate: boolean;
  canDelete: boolean;
  onAction: (action: BulkAction) => void;
  onClear: () => void;
};

/** Shown while rows are selected: what can be done to all of them at once. */
export function BulkBar({ object, count, canUpdate, canDelete, onAction, onClear }: BulkBarProps) {
  const tooMany = count > BULK_LIMIT;
  return (
    <div
      role="region"
      aria-label="Bulk actions"
      data-testid="bulk-bar"
      className="flex flex-wrap items-center gap-2 rounded-lg border border-accent-subtle bg-accent-subtle px-3 py-2"
    >
      <p className="mr-auto text-sm font-medium text-accent-fg" aria-live="polite">
        {count} selected
        {tooMany && <span className="ml-2 font-normal text-danger">At most {BULK_LIMIT} at a time.</span>}
      </p>
      {canUpdate && (
        <>
          <Button size="sm" variant="secondary" disabled={tooMany} onClick={() => onAction("owner")}>
            Change owner
          </Button>
          <Button size="sm" variant="secondary" disabled={tooMany} onClick={() => onAction("stage")}>
            {STAGE_ACTION_LABEL[object]}
          </Button>
          <MenuRoot>
            <MenuTrigger asChild>
              <Button size="sm" variant="secondary" disabled={tooMany}>
                Tags
              </Button>
            </MenuTrigger>
            <MenuContent align="end">
              <MenuItem onSelect={() => onAction("add_tags")}>Add tags…</MenuItem>
              <MenuItem onSelect={() => onAction("remove_tags")}>Remove tags…</MenuItem>
            </MenuContent>
          </MenuRoot>
        </>
      )}
      {canDelete && (
        <Button size="sm" variant="danger-ghost" disabled={tooMany} onClick={() => onAction("delete")}>
          Delete
        </Button>
      )}
      <Button size="sm" variant="ghost" onClick={onClear}>
        Clear
      </Button>
    </div>
  );
}
