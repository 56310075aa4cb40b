import { useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Checkbox } from "@/components/ui/Checkbox";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Field } from "@/components/ui/Field";
import { Section } from "@/components/ui/Section";
import { Select } from "@/components/ui/Select";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { can, meQueryOptions } from "@/lib/auth/me";
import { toast } from "@/lib/toast/toast";
import { describeDevice, SessionList, type SessionOut } from "@/modules/sessions/SessionList";
import { membersQueryOptions, orgSessionsQueryOptions } from "./queries";

export function SignInsPage() {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const [newDevicesOnly, setNewDevicesOnly] = useState(false);
  const [userId, setUserId] = useState<string>();
  const [revoking, setRevoking] = useState<SessionOut>();
  const sessions = useQuery(orgSessionsQueryOptions({ userId, newDevicesOnly }));
  const members = useQuery(membersQueryOptions());
  const queryClient = useQueryClient();
  const names = new Map((members.data?.items ?? []).map((m) => [m.user_id, m.full_name]));
  const userName = (id: string) => names.get(id) ?? "Former member";

  return (
    <>
      <title>Sign-ins & devices · Settings · CliniGlobal CRM</title>
      <Section
        title="Sign-ins & devices"
        description="The latest 100 sign-ins across the organisation. A sign-in from a device someone never used before is flagged as a new device."
        flush
      >
        <div className="flex flex-col gap-3 border-b border-border px-4 py-3 sm:flex-row sm:items-end sm:justify-between sm:px-5">
          <Field label="Member" className="sm:w-64">
            {(control) => (
              <Select className="w-full" {...control} value={userId ?? ""} onChange={(event) => setUserId(event.target.value || undefined)}>
                <option value="">Everyone</option>
                {(members.data?.items ?? []).map((m) => (
                  <option key={m.user_id} value={m.user_id}>
                    {m.full_name}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Checkbox className="sm:h-9 sm:items-center" label="New devices only" checked={newDevicesOnly} onChange={(event) => setNewDevicesOnly(event.target.checked)} />
        </div>
        {sessions.isPending && <LoadingState label="Loading sign-ins…" />}
        {sessions.isError && (
          <div className="p-4">
            <ErrorState error={sessions.error} onRetry={() => void sessions.refetch()} />
          </div>
        )}
        {sessions.data?.items.length === 0 && (
          <EmptyState title={newDevicesOnly ? "No sign-ins from new devices" : "No sign-ins"} />
        )}
        {sessions.data && sessions.data.items.length > 0 && (
          <SessionList
            sessions={sessions.data.items.map((s) => ({ ...s, current: false }))}
            userName={userName}
            onRevoke={can(me, "sessions:delete") ? setRevoking : undefined}
            revokeLabel="End session"
          />
        )}
      </Section>

      <ConfirmDialog
        open={revoking !== undefined}
        onOpenChange={(open) => !open && setRevoking(undefined)}
        title="End this session?"
        description={revoking ? `${userName(revoking.user_id)} on ${describeDevice(revoking)} is signed out at once.` : undefined}
        confirmLabel="End session"
        destructive
        onConfirm={async () => {
          if (!revoking) return;
          await unwrap(api.DELETE("/api/v1/security/sessions/{session_id}", { params: { path: { session_id: revoking.id } } }));
          toast("The session was ended.");
          await queryClient.invalidateQueries({ queryKey: ["settings", "sessions"] });
        }}
      />
    </>
  );
}
