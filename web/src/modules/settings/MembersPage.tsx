import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import type { components } from "@/client/schema";
import { Avatar } from "@/components/ui/Avatar";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { MenuContent, MenuItem, MenuRoot, MenuTrigger } from "@/components/ui/Menu";
import { Section } from "@/components/ui/Section";
import { Select } from "@/components/ui/Select";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { can, meQueryOptions } from "@/lib/auth/me";
import { ROLES, roleLabel, type RoleName } from "@/lib/auth/roles";
import { formatDate } from "@/lib/format";
import { errorMessage } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { membersQueryOptions } from "./queries";

type Member = components["schemas"]["MemberOut"];
type PendingAction = { kind: "remove" | "reset-mfa"; member: Member };

export function MembersPage() {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const members = useQuery(membersQueryOptions());
  const queryClient = useQueryClient();
  const [pending, setPending] = useState<PendingAction>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: membersQueryOptions().queryKey });

  const mayUpdate = can(me, "users:update");
  const mayDelete = can(me, "users:delete");

  return (
    <>
      <title>Members · Settings · CliniGlobal CRM</title>
      <Section
        title="Members"
        description="Everyone in the organisation. Role changes apply within 15 minutes (at their next token refresh)."
        actions={
          can(me, "invitations:create") && (
            <Button asChild size="sm">
              <Link to="/settings/invitations">Invite people</Link>
            </Button>
          )
        }
        flush
      >
        {members.isPending && <LoadingState label="Loading members…" />}
        {members.isError && (
          <div className="p-4">
            <ErrorState error={members.error} onRetry={() => void members.refetch()} />
          </div>
        )}
        {members.data?.items.length === 0 && <EmptyState title="No members yet" />}
        {members.data && members.data.items.length > 0 && (
          <ul className="divide-y divide-border">
            {members.data.items.map((member) => (
              <MemberRow
                key={member.user_id}
                member={member}
                isSelf={member.user_id === me.user_id}
                mayUpdate={mayUpdate}
                mayDelete={mayDelete}
                onAction={setPending}
                onChanged={refresh}
              />
            ))}
          </ul>
        )}
      </Section>

      <ConfirmDialog
        open={pending?.kind === "remove"}
        onOpenChange={(open) => !open && setPending(undefined)}
        title={`Remove ${pending?.member.full_name ?? ""}?`}
        description="They lose access to this organisation at once and every session of theirs here ends. Their account and other organisations are not affected."
        confirmLabel="Remove member"
        destructive
        onConfirm={async () => {
          if (!pending) return;
          await unwrap(api.DELETE("/api/v1/users/{user_id}", { params: { path: { user_id: pending.member.user_id } } }));
          toast(`${pending.member.full_name} was removed.`);
          await refresh();
        }}
      />
      <ConfirmDialog
        open={pending?.kind === "reset-mfa"}
        onOpenChange={(open) => !open && setPending(undefined)}
        title={`Reset MFA for ${pending?.member.full_name ?? ""}?`}
        description="Their authenticator and recovery codes stop working and their sessions end. They set up MFA again at their next sign-in."
        confirmLabel="Reset MFA"
        destructive
        onConfirm={async () => {
          if (!pending) return;
          await unwrap(api.POST("/api/v1/users/{user_id}/mfa/reset", { params: { path: { user_id: pending.member.user_id } } }));
          toast(`MFA was reset for ${pending.member.full_name}.`);
          await refresh();
        }}
      />
    </>
  );
}

type MemberRowProps = {
  member: Member;
  isSelf: boolean;
  mayUpdate: boolean;
  mayDelete: boolean;
  onAction: (action: PendingAction) => void;
  onChanged: () => Promise<void>;
};

function MemberRow({ member, isSelf, mayUpdate, mayDelete, onAction, onChanged }: MemberRowProps) {
  const changeRole = useMutation({
    mutationFn: (role: RoleName) =>
      unwrap(api.PATCH("/api/v1/users/{user_id}", { params: { path: { user_id: member.user_id } }, body: { role } })),
    onSuccess: (updated) => toast(`${updated.full_name} is now ${roleLabel(updated.role)}.`),
    onSettled: () => onChanged(),
  });
  const roleErrorId = `role-error-${member.user_id}`;
  const canResetMfa = mayUpdate && member.mfa_enabled;
  const canRemove = mayDelete && !isSelf;

  return (
    <li className="flex flex-col gap-3 px-4 py-3 sm:flex-row sm:items-center sm:px-5" data-member={member.email}>
      <div className="flex min-w-0 flex-1 items-center gap-3">
        <Avatar name={member.full_name} />
        <div className="min-w-0">
          <p className="flex flex-wrap items-center gap-x-2 gap-y-0.5">
            <span className="truncate font-medium text-fg">{member.full_name}</span>
            {isSelf && <Badge tone="accent">You</Badge>}
            {member.mfa_enabled ? <Badge tone="success">MFA on</Badge> : <Badge tone="neutral">MFA off</Badge>}
          </p>
          <p className="truncate text-xs text-fg-subtle">
            {member.email} · joined {formatDate(member.joined_at)}
          </p>
        </div>
      </div>
      <div className="flex flex-col gap-1 sm:items-end">
        <div className="flex items-center gap-2">
          {mayUpdate && !isSelf ? (
            <Select
              aria-label={`Role of ${member.full_name}`}
              value={changeRole.isPending ? changeRole.variables : member.role}
              disabled={changeRole.isPending}
              aria-invalid={changeRole.isError || undefined}
              aria-describedby={changeRole.isError ? roleErrorId : undefined}
              onChange={(event) => changeRole.mutate(event.target.value as RoleName)}
              className="w-36"
            >
              {ROLES.map((role) => (
                <option key={role} value={role}>
                  {roleLabel(role)}
                </option>
              ))}
            </Select>
          ) : (
            <Badge>{roleLabel(member.role)}</Badge>
          )}
          {(canResetMfa || canRemove) && (
            <MenuRoot modal={false}>
              <MenuTrigger asChild>
                <Button variant="ghost" size="icon" aria-label={`Actions for ${member.full_name}`}>
                  <svg aria-hidden="true" viewBox="0 0 20 20" className="size-5" fill="currentColor">
                    <circle cx="4" cy="10" r="1.5" />
                    <circle cx="10" cy="10" r="1.5" />
                    <circle cx="16" cy="10" r="1.5" />
                  </svg>
                </Button>
              </MenuTrigger>
              <MenuContent align="end">
                {canResetMfa && <MenuItem onSelect={() => onAction({ kind: "reset-mfa", member })}>Reset MFA</MenuItem>}
                {canRemove && (
                  <MenuItem danger onSelect={() => onAction({ kind: "remove", member })}>
                    Remove from organisation
                  </MenuItem>
                )}
              </MenuContent>
            </MenuRoot>
          )}
        </div>
        {changeRole.isError && (
          <p id={roleErrorId} role="alert" className="text-xs font-medium text-danger">
            {errorMessage(changeRole.error)}
          </p>
        )}
      </div>
    </li>
  );
}
