import { zodResolver } from "@hookform/resolvers/zod";
import { useForm, useWatch } from "react-hook-form";
import { z } from "zod";
import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { Field } from "@/components/ui/Field";
import { FormError } from "@/components/ui/FormError";
import { Select } from "@/components/ui/Select";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { applyApiError } from "@/lib/forms/apiErrors";
import { parseTags, STAGE_ACTION_LABEL, type BulkAction } from "./bulkActions";
import { humanize, LIFECYCLE_STAGES, LEAD_STATUSES } from "./format";
import type { Option } from "./FilterValueInput";
import { bulkUpdate, type BulkChange, type BulkResult, type ObjectKey } from "./recordApi";

const schema = z.object({ value: z.string().trim(), lost_reason: z.string().trim().max(200, "Use at most 200 characters.") });
type Values = z.infer<typeof schema>;

export type BulkActionDialogProps = {
  object: ObjectKey;
  action: Exclude<BulkAction, "delete"> | undefined;
  ids: string[];
  members: Option[];
  /** Deal stages (id → label), with which of them are lost stages. */
  stages: Array<Option & { lost: boolean }>;
  onClose: () => void;
  onDone: (results: BulkResult[], description: string) => void;
};

const TITLES: Record<Exclude<BulkAction, "delete" | "stage">, string> = {
  owner: "Change owner",
  add_tags: "Add tags",
  remove_tags: "Remove tags",
};

/** One bulk change (owner, stage/status, tags) for the selected rows; the API answers per row. */
export function BulkActionDialog({ object, action, ids, members, stages, onClose, onDone }: BulkActionDialogProps) {
  const title = action === undefined ? "" : action === "stage" ? STAGE_ACTION_LABEL[object] : TITLES[action];
  return (
    <Dialog
      open={action !== undefined}
      onOpenChange={(open) => !open && onClose()}
      title={title}
      description={`For ${ids.length} selected ${ids.length === 1 ? "record" : "records"}. Each one is changed on its own; you see the result per record.`}
    >
      {action && <BulkActionForm object={object} action={action} ids={ids} members={members} stages={stages} onClose={onClose} onDone={onDone} />}
    </Dialog>
  );
}

function BulkActionForm({ object, action, ids, members, stages, onClose, onDone }: Omit<BulkActionDialogProps, "action"> & { action: Exclude<BulkAction, "delete"> }) {
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { value: "", lost_reason: "" } });
  const { errors, isSubmitting } = form.formState;
  const value = useWatch({ control: form.control, name: "value" });
  const needsLostReason =
    action === "stage" && ((object === "leads" && value === "lost") || (object === "deals" && stages.some((s) => s.value === value && s.lost)));

  const submit = form.handleSubmit(async (values) => {
    let change: BulkChange;
    let description: string;
    if (values.value === "" && action !== "stage") {
      form.setError("value", { message: action === "owner" ? "Choose the new owner." : "Enter at least one tag." });
      return;
    }
    if (action === "stage" && values.value === "") {
      form.setError("value", { message: object === "companies" ? "Enter the industry." : "Choose a value." });
      return;
    }
    if (needsLostReason && values.lost_reason === "") {
      form.setError("lost_reason", { message: "Say why they were lost." });
      return;
    }
    const lost = needsLostReason ? { lost_reason: values.lost_reason } : {};
    switch (action) {
      case "owner":
        change = { owner_id: values.value };
        description = `Owner → ${members.find((m) => m.value === values.value)?.label ?? "?"}`;
        break;
      case "add_tags":
      case "remove_tags": {
        const tags = parseTags(values.value);
        change = action === "add_tags" ? { add_tags: tags } : { remove_tags: tags };
        description = `${action === "add_tags" ? "Added" : "Removed"} tags: ${tags.join(", ")}`;
        break;
      }
      case "stage":
        if (object === "contacts") change = { lifecycle_stage: values.value };
        else if (object === "leads") change = { status: values.value as NonNullable<BulkChange["status"]>, ...lost };
        else if (object === "deals") change = { stage_id: values.value, ...lost };
        else change = { industry: values.value };
        description = `${STAGE_ACTION_LABEL[object]} → ${object === "deals" ? (stages.find((s) => s.value === values.value)?.label ?? "") : humanize(values.value)}`;
        break;
    }
    try {
      const results = await bulkUpdate(object, ids, change);
      onDone(results, description);
    } catch (error) {
      applyApiError(error, form.setError, { invalid_owner: "value", invalid_status: "value", lost_reason_required: "lost_reason" }, ["value", "lost_reason"]);
    }
  });

  const choices: Option[] | undefined =
    action === "owner"
      ? members
      : action === "stage" && object === "contacts"
        ? LIFECYCLE_STAGES.map((s) => ({ value: s, label: humanize(s) }))
        : action === "stage" && object === "leads"
          ? LEAD_STATUSES.map((s) => ({ value: s, label: humanize(s) }))
          : action === "stage" && object === "deals"
            ? stages
            : undefined;
  const label = action === "owner" ? "New owner" : action === "stage" ? (object === "companies" ? "Industry" : object === "leads" ? "Status" : "Stage") : "Tags";

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      {choices ? (
        <Field label={label} error={errors.value?.message}>
          {(control) => (
            <Select {...control} className="w-full" autoFocus {...form.register("value")}>
              <option value="">Choose…</option>
              {choices.map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.label}
                </option>
              ))}
            </Select>
          )}
        </Field>
      ) : (
        <TextField
          label={label}
          autoFocus
          hint={action === "add_tags" || action === "remove_tags" ? "Separate tags with commas." : undefined}
          error={errors.value?.message}
          {...form.register("value")}
        />
      )}
      {needsLostReason && <TextField label="Lost reason" error={errors.lost_reason?.message} {...form.register("lost_reason")} />}
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <Button variant="secondary" onClick={onClose}>
          Cancel
        </Button>
        <SubmitButton pending={isSubmitting} className="">
          Apply to {ids.length}
        </SubmitButton>
      </div>
    </form>
  );
}
