import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { MenuContent, MenuItem, MenuLabel, MenuRoot, MenuSeparator, MenuTrigger } from "@/components/ui/Menu";
import { api, unwrap } from "@/lib/api/client";
import { errorMessage } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { savedViewsQueryOptions } from "./queries";
import type { ObjectType } from "./recordApi";
import { SaveViewDialog, type SavedView } from "./SaveViewDialog";

const VISIBILITY: Record<string, string> = { private: "Only me", team: "Team", organization: "Everyone" };

export type SavedViewsMenuProps = {
  objectType: ObjectType;
  plural: string;
  currentViewId: string | undefined;
  /** Whether the list differs from the view it came from. */
  modified: boolean;
  canCreate: boolean;
  content: { columns: string[]; filters: Record<string, string>; sort: string | undefined };
  onApply: (view: SavedView | undefined) => void;
};

/** Pick a saved view, save the current list as one, update or delete the current one. */
export function SavedViewsMenu({ objectType, plural, currentViewId, modified, canCreate, content, onApply }: SavedViewsMenuProps) {
  const views = useQuery(savedViewsQueryOptions(objectType));
  const queryClient = useQueryClient();
  const [saving, setSaving] = useState(false);
  const [deleting, setDeleting] = useState<SavedView>();
  const current = views.data?.items.find((view) => view.id === currentViewId);
  const refresh = () => queryClient.invalidateQueries({ queryKey: savedViewsQueryOptions(objectType).queryKey });

  const update = async (view: SavedView) => {
    try {
      await unwrap(
        api.PATCH("/api/v1/saved-views/{view_id}", {
          params: { path: { view_id: view.id } },
          body: { columns: content.columns, filters: content.filters, sort: content.sort ?? null },
        }),
      );
      toast(`“${view.name}” was saved.`);
      await refresh();
      onApply({ ...view, columns: content.columns, filters: content.filters, sort: content.sort ?? null });
    } catch (error) {
      toast(errorMessage(error), "danger");
    }
  };

  return (
    <>
      <MenuRoot>
        <MenuTrigger asChild>
          <Button variant="secondary" size="sm" className="max-w-56" aria-label={`Saved views: ${current ? current.name : `All ${plural}`}${modified ? " (modified)" : ""}`}>
            <span className="truncate">{current ? current.name : `All ${plural}`}</span>
            {modified && current && <span className="text-fg-subtle">(modified)</span>}
            <svg aria-hidden="true" viewBox="0 0 16 16" className="size-3.5 shrink-0" fill="none" stroke="currentColor" strokeWidth="1.6">
              <path d="M4 6l4 4 4-4" />
            </svg>
          </Button>
        </MenuTrigger>
        <MenuContent align="start" className="max-h-[min(28rem,calc(100dvh-6rem))] overflow-y-auto">
          <MenuItem onSelect={() => onApply(undefined)}>All {plural}</MenuItem>
          {views.isPending && <MenuLabel>Loading views…</MenuLabel>}
          {views.isError && <MenuLabel>Couldn’t load saved views.</MenuLabel>}
          {views.data && views.data.items.length > 0 && (
            <>
              <MenuSeparator />
              <MenuLabel>Saved views</MenuLabel>
              {views.data.items.map((view) => (
                <MenuItem key={view.id} onSelect={() => onApply(view)} data-view={view.name}>
                  <span className="min-w-0 flex-1 truncate">{view.name}</span>
                  <span className="shrink-0 text-xs text-fg-subtle">{VISIBILITY[view.visibility] ?? view.visibility}</span>
                </MenuItem>
              ))}
            </>
          )}
          {(canCreate || current?.editable) && <MenuSeparator />}
          {canCreate && <MenuItem onSelect={() => setSaving(true)}>Save as new view…</MenuItem>}
          {current?.editable && modified && <MenuItem onSelect={() => void update(current)}>Save changes to “{current.name}”</MenuItem>}
          {current?.editable && (
            <MenuItem danger onSelect={() => setDeleting(current)}>
              Delete “{current.name}”
            </MenuItem>
          )}
        </MenuContent>
      </MenuRoot>

      <SaveViewDialog
        open={saving}
        onOpenChange={setSaving}
        objectType={objectType}
        content={content}
        onSaved={(view) => {
          setSaving(false);
          toast(`View “${view.name}” was saved.`);
          void refresh();
          onApply(view);
        }}
      />
      <ConfirmDialog
        open={deleting !== undefined}
        onOpenChange={(open) => !open && setDeleting(undefined)}
        title={`Delete “${deleting?.name ?? "this view"}”?`}
        description={deleting?.visibility === "private" ? "Only you use this view." : "Everyone it is shared with loses it too."}
        confirmLabel="Delete view"
        destructive
        onConfirm={async () => {
          if (!deleting) return;
          await unwrap(api.DELETE("/api/v1/saved-views/{view_id}", { params: { path: { view_id: deleting.id } } }));
          toast(`“${deleting.name}” was deleted.`);
          await refresh();
          onApply(undefined);
        }}
      />
    </>
  );
}
