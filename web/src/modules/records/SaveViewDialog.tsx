import { zodResolver } from "@hookform/resolvers/zod";
import { useQuery } from "@tanstack/react-query";
import { useForm, useWatch } from "react-hook-form";
import { z } from "zod";
import type { components } from "@/client/schema";
import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { Field } from "@/components/ui/Field";
import { FormError } from "@/components/ui/FormError";
import { Select } from "@/components/ui/Select";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import { applyApiError } from "@/lib/forms/apiErrors";
import { teamsQueryOptions } from "@/modules/settings/queries";
import type { ObjectType } from "./recordApi";

export type SavedView = components["schemas"]["SavedViewOut"];

const schema = z
  .object({
    name: z.string().trim().min(1, "Name the view.").max(120, "Use at most 120 characters."),
    visibility: z.enum(["private", "team", "organization"]),
    team_id: z.string(),
  })
  .refine((values) => values.visibility !== "team" || values.team_id !== "", { path: ["team_id"], error: "Choose the team to share with." });
type Values = z.infer<typeof schema>;

export type SaveViewDialogProps = {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  objectType: ObjectType;
  /** What the view keeps: the list's current columns, filters and sort. */
  content: { columns: string[]; filters: Record<string, string>; sort: string | undefined };
  onSaved: (view: SavedView) => void;
};

/** Saves the current list as a new view: private, for a team, or for the whole organisation. */
export function SaveViewDialog({ open, onOpenChange, objectType, content, onSaved }: SaveViewDialogProps) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange} title="Save view" description="Keeps the columns, filters, search and sort you see now.">
      {open && <SaveViewForm objectType={objectType} content={content} onSaved={onSaved} onCancel={() => onOpenChange(false)} />}
    </Dialog>
  );
}

function SaveViewForm({ objectType, content, onSaved, onCancel }: Omit<SaveViewDialogProps, "open" | "onOpenChange"> & { onCancel: () => void }) {
  const teams = useQuery(teamsQueryOptions());
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { name: "", visibility: "private", team_id: "" } });
  const { errors, isSubmitting } = form.formState;
  const visibility = useWatch({ control: form.control, name: "visibility" });

  const submit = form.handleSubmit(async (values) => {
    try {
      const view = await unwrap(
        api.POST("/api/v1/saved-views", {
          body: {
            object_type: objectType,
            name: values.name,
            visibility: values.visibility,
            ...(values.visibility === "team" ? { team_id: values.team_id } : {}),
            columns: content.columns,
            filters: content.filters,
            sort: content.sort ?? null,
          },
        }),
      );
      onSaved(view);
    } catch (error) {
      applyApiError(error, form.setError, { not_found: "team_id", forbidden: "visibility" }, ["name", "visibility", "team_id"]);
    }
  });

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      <TextField label="Name" autoFocus placeholder="e.g. My patients in London" error={errors.name?.message} {...form.register("name")} />
      <Field label="Who can use it" error={errors.visibility?.message}>
        {(control) => (
          <Select {...control} className="w-full" {...form.register("visibility")}>
            <option value="private">Only me</option>
            <option value="team">A team</option>
            <option value="organization">Everyone in the organisation</option>
          </Select>
        )}
      </Field>
      {visibility === "team" && (
        <Field label="Team" error={errors.team_id?.message} hint={teams.data?.items.length === 0 ? "There are no teams yet." : undefined}>
          {(control) => (
            <Select {...control} className="w-full" {...form.register("team_id")}>
              <option value="">Choose a team…</option>
              {(teams.data?.items ?? []).map((team) => (
                <option key={team.id} value={team.id}>
                  {team.name}
                </option>
              ))}
            </Select>
          )}
        </Field>
      )}
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <SubmitButton pending={isSubmitting} className="">
          Save view
        </SubmitButton>
      </div>
    </form>
  );
}
