import { zodResolver } from "@hookform/resolvers/zod";
import { useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import type { components } from "@/client/schema";
import { Avatar } from "@/components/ui/Avatar";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Dialog } from "@/components/ui/Dialog";
import { FormError } from "@/components/ui/FormError";
import { Section } from "@/components/ui/Section";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/States";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import { can, meQueryOptions } from "@/lib/auth/me";
import { applyApiError } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { membersQueryOptions, teamsQueryOptions } from "./queries";

type Team = components["schemas"]["TeamOut"];
type Member = components["schemas"]["MemberOut"];
type Editing = { kind: "create" } | { kind: "edit"; team: Team };

export function TeamsPage() {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const teams = useQuery(teamsQueryOptions());
  const members = useQuery(membersQueryOptions());
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Editing>();
  const [deleting, setDeleting] = useState<Team>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: teamsQueryOptions().queryKey });
  const byId = new Map((members.data?.items ?? []).map((member) => [member.user_id, member]));

  return (
    <>
      <title>Teams · Settings · CliniGlobal CRM</title>
      <Section
        title="Teams"
        description={'Members of a team share records whose permission scope is "team".'}
        actions={
          can(me, "teams:create") && (
            <Button size="sm" onClick={() => setEditing({ kind: "create" })}>
              New team
            </Button>
          )
        }
        flush
      >
        {teams.isPending && <LoadingState label="Loading teams…" />}
        {teams.isError && (
          <div className="p-4">
            <ErrorState error={teams.error} onRetry={() => void teams.refetch()} />
          </div>
        )}
        {teams.data?.items.length === 0 && (
          <EmptyState title="No teams yet">Create a team, e.g. one per clinic or region, and add its members.</EmptyState>
        )}
        {teams.data && teams.data.items.length > 0 && (
          <ul className="divide-y divide-border">
            {teams.data.items.map((team) => (
              <li key={team.id} className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:px-5" data-team={team.name}>
                <div className="min-w-0 flex-1">
                  <p className="font-medium text-fg">{team.name}</p>
                  <p className="text-xs text-fg-subtle">
                    {team.member_ids.length === 0
                      ? "No members"
                      : team.member_ids.map((id) => byId.get(id)?.full_name ?? "Former member").join(", ")}
                  </p>
                </div>
                <div className="flex gap-2">
                  {can(me, "teams:update") && (
                    <Button variant="secondary" size="sm" onClick={() => setEditing({ kind: "edit", team })}>
                      Edit<span className="sr-only"> {team.name}</span>
                    </Button>
                  )}
                  {can(me, "teams:delete") && (
                    <Button variant="danger-ghost" size="sm" onClick={() => setDeleting(team)}>
                      Delete<span className="sr-only"> {team.name}</span>
                    </Button>
                  )}
                </div>
              </li>
            ))}
          </ul>
        )}
      </Section>

      <Dialog
        open={editing !== undefined}
        onOpenChange={(open) => !open && setEditing(undefined)}
        title={editing?.kind === "edit" ? `Edit ${editing.team.name}` : "New team"}
      >
        {editing && (
          <TeamForm
            team={editing.kind === "edit" ? editing.team : undefined}
            members={members.data?.items ?? []}
            onCancel={() => setEditing(undefined)}
            onSaved={async (team) => {
              setEditing(undefined);
              toast(editing.kind === "edit" ? `${team.name} was saved.` : `${team.name} was created.`);
              await refresh();
            }}
          />
        )}
      </Dialog>

      <ConfirmDialog
        open={deleting !== undefined}
        onOpenChange={(open) => !open && setDeleting(undefined)}
        title={`Delete ${deleting?.name ?? "this team"}?`}
        description="Its members stay in the organisation; records shared through the team are no longer shared."
        confirmLabel="Delete team"
        destructive
        onConfirm={async () => {
          if (!deleting) return;
          await unwrap(api.DELETE("/api/v1/teams/{team_id}", { params: { path: { team_id: deleting.id } } }));
          toast(`${deleting.name} was deleted.`);
          await refresh();
        }}
      />
    </>
  );
}

const teamSchema = z.object({
  name: z.string().trim().min(1, "Name the team.").max(120, "Use at most 120 characters."),
  member_ids: z.array(z.string()),
});
type TeamValues = z.infer<typeof teamSchema>;

function TeamForm({ team, members, onCancel, onSaved }: {
  team: Team | undefined;
  members: Member[];
  onCancel: () => void;
  onSaved: (team: Team) => Promise<void>;
}) {
  const form = useForm<TeamValues>({
    resolver: zodResolver(teamSchema),
    defaultValues: { name: team?.name ?? "", member_ids: team?.member_ids ?? [] },
  });
  const { errors, isSubmitting } = form.formState;

  const submit = form.handleSubmit(async (body) => {
    try {
      const saved = team
        ? await unwrap(api.PUT("/api/v1/teams/{team_id}", { params: { path: { team_id: team.id } }, body }))
        : await unwrap(api.POST("/api/v1/teams", { body }));
      await onSaved(saved);
    } catch (error) {
      applyApiError(error, form.setError, { team_exists: "name", unknown_member: "member_ids" }, ["name", "member_ids"]);
    }
  });

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      <TextField label="Team name" autoFocus error={errors.name?.message} {...form.register("name")} />
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1.5 text-sm font-medium text-fg">Members</legend>
        <div className="max-h-64 overflow-y-auto rounded-md border border-border">
          {members.length === 0 ? (
            <p className="p-3 text-sm text-fg-muted">No members to add.</p>
          ) : (
            <ul className="divide-y divide-border">
              {members.map((member) => (
                <li key={member.user_id}>
                  <label className="flex cursor-pointer items-center gap-3 px-3 py-2 hover:bg-surface-hover">
                    <input type="checkbox" value={member.user_id} className="size-4 accent-accent" {...form.register("member_ids")} />
                    <Avatar name={member.full_name} className="size-7" />
                    <span className="min-w-0">
                      <span className="block truncate text-sm font-medium text-fg">{member.full_name}</span>
                      <span className="block truncate text-xs text-fg-subtle">{member.email}</span>
                    </span>
                  </label>
                </li>
              ))}
            </ul>
          )}
        </div>
        {errors.member_ids?.message && <p className="text-xs font-medium text-danger">{errors.member_ids.message}</p>}
      </fieldset>
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <SubmitButton pending={isSubmitting} className="">
          {team ? "Save team" : "Create team"}
        </SubmitButton>
      </div>
    </form>
  );
}
