import { useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Dialog } from "@/components/ui/Dialog";
import { Section } from "@/components/ui/Section";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/States";
import { Tabs } from "@/components/ui/Tabs";
import { api, unwrap } from "@/lib/api/client";
import { can, meQueryOptions } from "@/lib/auth/me";
import { errorMessage } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { customFieldsQueryOptions } from "@/modules/records/queries";
import { CustomFieldForm, FIELD_TYPES, type CustomField, type FieldObjectType } from "./CustomFieldForm";

const OBJECT_TABS = [
  { value: "contact", label: "Contacts" },
  { value: "company", label: "Companies" },
  { value: "lead", label: "Leads" },
  { value: "deal", label: "Deals" },
] as const;
const TYPE_LABELS = new Map<string, string>(FIELD_TYPES.map((t) => [t.value, t.label]));

type Editing = { kind: "create" } | { kind: "edit"; field: CustomField };

/** Settings > Custom fields: the organisation's own fields on each object. */
export function CustomFieldsPage() {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const [objectType, setObjectType] = useState<FieldObjectType>("contact");
  const fields = useQuery(customFieldsQueryOptions(objectType));
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Editing>();
  const [deleting, setDeleting] = useState<CustomField>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: customFieldsQueryOptions(objectType).queryKey });
  const items = fields.data?.items ?? [];
  const objectLabel = OBJECT_TABS.find((t) => t.value === objectType)?.label.toLowerCase() ?? "records";

  const move = async (index: number, delta: number) => {
    const field = items[index];
    const other = items[index + delta];
    if (!field || !other) return;
    try {
      // Swap the two positions: two small writes, each audited.
      await unwrap(api.PATCH("/api/v1/custom-fields/{field_id}", { params: { path: { field_id: field.id } }, body: { position: other.position } }));
      await unwrap(api.PATCH("/api/v1/custom-fields/{field_id}", { params: { path: { field_id: other.id } }, body: { position: field.position } }));
    } catch (error) {
      toast(errorMessage(error), "danger");
    }
    await refresh();
  };

  return (
    <>
      <title>Custom fields · Settings · CliniGlobal CRM</title>
      <Section
        title="Custom fields"
        description="Fields of your own on contacts, companies, leads and deals: in forms, list columns, filters and exports."
        actions={
          can(me, "custom_fields:create") && (
            <Button size="sm" onClick={() => setEditing({ kind: "create" })}>
              New field
            </Button>
          )
        }
        flush
      >
        <Tabs label="Object" idBase="custom-fields" tabs={OBJECT_TABS} value={objectType} onChange={setObjectType} />
        <div id="custom-fields-panel" role="tabpanel" aria-labelledby={`custom-fields-tab-${objectType}`}>
          {fields.isPending && <LoadingState label="Loading fields…" />}
          {fields.isError && (
            <div className="p-4">
              <ErrorState error={fields.error} onRetry={() => void fields.refetch()} />
            </div>
          )}
          {fields.data && items.length === 0 && (
            <EmptyState title={`No custom fields on ${objectLabel}`}>Add one for anything your team tracks that the CRM does not, e.g. a patient number.</EmptyState>
          )}
          {items.length > 0 && (
            <ul className="divide-y divide-border">
              {items.map((field, index) => (
                <li key={field.id} data-field={field.key} className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:px-5">
                  <div className="min-w-0 flex-1">
                    <p className="flex flex-wrap items-center gap-2 font-medium text-fg">
                      {field.label}
                      <Badge>{TYPE_LABELS.get(field.field_type) ?? field.field_type}</Badge>
                      {field.required && <Badge tone="accent">Required</Badge>}
                      {field.is_pii && <Badge tone="warning">Personal data</Badge>}
                    </p>
                    <p className="truncate font-mono text-xs text-fg-subtle">
                      cf.{field.key}
                      {field.options && field.options.length > 0 && <span className="font-sans"> · {field.options.join(", ")}</span>}
                      {field.currency && <span className="font-sans"> · {field.currency}</span>}
                    </p>
                  </div>
                  {can(me, "custom_fields:update") && (
                    <div className="flex flex-wrap gap-1">
                      <Button variant="ghost" size="sm" disabled={index === 0} onClick={() => void move(index, -1)} aria-label={`Move ${field.label} up`}>
                        ↑
                      </Button>
                      <Button variant="ghost" size="sm" disabled={index === items.length - 1} onClick={() => void move(index, 1)} aria-label={`Move ${field.label} down`}>
                        ↓
                      </Button>
                      <Button variant="secondary" size="sm" onClick={() => setEditing({ kind: "edit", field })}>
                        Edit<span className="sr-only"> {field.label}</span>
                      </Button>
                      {can(me, "custom_fields:delete") && (
                        <Button variant="danger-ghost" size="sm" onClick={() => setDeleting(field)}>
                          Delete<span className="sr-only"> {field.label}</span>
                        </Button>
                      )}
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      </Section>

      <Dialog
        open={editing !== undefined}
        onOpenChange={(open) => !open && setEditing(undefined)}
        title={editing?.kind === "edit" ? `Edit ${editing.field.label}` : `New field on ${objectLabel}`}
      >
        {editing && (
          <CustomFieldForm
            objectType={objectType}
            field={editing.kind === "edit" ? editing.field : undefined}
            onCancel={() => setEditing(undefined)}
            onSaved={(saved) => {
              setEditing(undefined);
              toast(editing.kind === "edit" ? `${saved.label} was saved.` : `${saved.label} was created.`);
              void refresh();
            }}
          />
        )}
      </Dialog>
      <ConfirmDialog
        open={deleting !== undefined}
        onOpenChange={(open) => !open && setDeleting(undefined)}
        title={`Delete ${deleting?.label ?? "this field"}?`}
        description="It disappears from forms, lists and filters. The values already stored are kept (archived), not erased."
        confirmLabel="Delete field"
        destructive
        onConfirm={async () => {
          if (!deleting) return;
          await unwrap(api.DELETE("/api/v1/custom-fields/{field_id}", { params: { path: { field_id: deleting.id } } }));
          toast(`${deleting.label} was deleted.`);
          await refresh();
        }}
      />
    </>
  );
}
