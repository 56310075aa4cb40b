import { zodResolver } from "@hookform/resolvers/zod";
import { useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import type { components } from "@/client/schema";
import { Alert } from "@/components/ui/Alert";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Field } from "@/components/ui/Field";
import { FormError } from "@/components/ui/FormError";
import { Section } from "@/components/ui/Section";
import { Select } from "@/components/ui/Select";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/States";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import { can, meQueryOptions } from "@/lib/auth/me";
import { ROLES, roleLabel } from "@/lib/auth/roles";
import { formatDate, formatRelative } from "@/lib/format";
import { applyApiError } from "@/lib/forms/apiErrors";
import { emailSchema } from "@/lib/forms/schemas";
import { toast } from "@/lib/toast/toast";
import { invitationsQueryOptions } from "./queries";

type Invitation = components["schemas"]["InvitationOut"];

const inviteSchema = z.object({ email: emailSchema, role: z.enum(ROLES) });
export type InviteValues = z.infer<typeof inviteSchema>;

export function InvitationsPage() {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const invitations = useQuery(invitationsQueryOptions());
  const queryClient = useQueryClient();
  const [revoking, setRevoking] = useState<Invitation>();
  const [lastSent, setLastSent] = useState<string>();
  const [now] = useState(() => Date.now());
  const refresh = () => queryClient.invalidateQueries({ queryKey: invitationsQueryOptions().queryKey });

  return (
    <>
      <title>Invitations · Settings · CliniGlobal CRM</title>
      {can(me, "invitations:create") && (
        <Section title="Invite someone" description="They get an e-mail with a link that works once and expires in 7 days.">
          <div className="flex flex-col gap-4">
            {lastSent && (
              <Alert tone="success">
                Invitation sent to <strong>{lastSent}</strong>.
                {can(me, "outbox:read") && (
                  <>
                    {" "}
                    <Link to="/settings/outbox">See it in the e-mail outbox</Link>.
                  </>
                )}
              </Alert>
            )}
            <InviteForm
              onInvited={async (email) => {
                setLastSent(email);
                toast(`Invitation sent to ${email}.`);
                await refresh();
              }}
            />
          </div>
        </Section>
      )}

      <Section title="Pending invitations" description="Invitations not yet accepted, newest first." flush>
        {invitations.isPending && <LoadingState label="Loading invitations…" />}
        {invitations.isError && (
          <div className="p-4">
            <ErrorState error={invitations.error} onRetry={() => void invitations.refetch()} />
          </div>
        )}
        {invitations.data?.items.length === 0 && (
          <EmptyState title="No pending invitations">Invitations you send appear here until they are accepted.</EmptyState>
        )}
        {invitations.data && invitations.data.items.length > 0 && (
          <ul className="divide-y divide-border">
            {invitations.data.items.map((invitation) => {
              const expired = new Date(invitation.expires_at).getTime() < now;
              return (
                <li key={invitation.id} className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:px-5" data-invitation={invitation.email}>
                  <div className="min-w-0 flex-1">
                    <p className="flex flex-wrap items-center gap-2">
                      <span className="truncate font-medium text-fg">{invitation.email}</span>
                      <Badge>{roleLabel(invitation.role)}</Badge>
                      {expired && <Badge tone="warning">Expired</Badge>}
                    </p>
                    <p className="text-xs text-fg-subtle">
                      Sent {formatRelative(invitation.created_at)} · {expired ? "expired" : "expires"} {formatDate(invitation.expires_at)}
                    </p>
                  </div>
                  {can(me, "invitations:delete") && (
                    <Button variant="secondary" size="sm" className="self-start sm:self-center" onClick={() => setRevoking(invitation)}>
                      Revoke<span className="sr-only"> the invitation of {invitation.email}</span>
                    </Button>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </Section>

      <ConfirmDialog
        open={revoking !== undefined}
        onOpenChange={(open) => !open && setRevoking(undefined)}
        title="Revoke this invitation?"
        description={revoking ? `The link sent to ${revoking.email} stops working.` : undefined}
        confirmLabel="Revoke invitation"
        destructive
        onConfirm={async () => {
          if (!revoking) return;
          await unwrap(api.DELETE("/api/v1/invitations/{invitation_id}", { params: { path: { invitation_id: revoking.id } } }));
          toast(`The invitation of ${revoking.email} was revoked.`);
          await refresh();
        }}
      />
    </>
  );
}

export function InviteForm({ onInvited }: { onInvited: (email: string) => Promise<void> }) {
  const form = useForm<InviteValues>({ resolver: zodResolver(inviteSchema), defaultValues: { email: "", role: "sales" } });
  const { errors, isSubmitting } = form.formState;

  const submit = form.handleSubmit(async (values) => {
    try {
      const invitation = await unwrap(api.POST("/api/v1/invitations", { body: values }));
      form.reset({ email: "", role: values.role });
      await onInvited(invitation.email);
    } catch (error) {
      applyApiError(error, form.setError, { invalid_email: "email", already_member: "email" }, ["email", "role"]);
    }
  });

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-3">
      <FormError message={errors.root?.server?.message} />
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start">
        <TextField
          label="E-mail"
          type="email"
          autoComplete="off"
          placeholder="name@clinic.example"
          fieldClassName="sm:flex-1"
          error={errors.email?.message}
          {...form.register("email")}
        />
        <Field label="Role" error={errors.role?.message} className="sm:w-40">
          {(control) => (
            <Select className="w-full" {...control} {...form.register("role")}>
              {ROLES.map((role) => (
                <option key={role} value={role}>
                  {roleLabel(role)}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <SubmitButton pending={isSubmitting} className="sm:mt-6.5">
          Send invitation
        </SubmitButton>
      </div>
    </form>
  );
}
