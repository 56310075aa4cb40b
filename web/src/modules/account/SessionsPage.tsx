import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { Button } from "@/components/ui/Button";
import { Checkbox } from "@/components/ui/Checkbox";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Section } from "@/components/ui/Section";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { auth } from "@/lib/auth/auth";
import { toast } from "@/lib/toast/toast";
import { describeDevice, SessionList, type SessionOut } from "@/modules/sessions/SessionList";
import { mySessionsQueryOptions } from "./accountQueries";

export function SessionsPage() {
  const sessions = useQuery(mySessionsQueryOptions());
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [showEnded, setShowEnded] = useState(false);
  const [revoking, setRevoking] = useState<SessionOut>();
  const [everywhere, setEverywhere] = useState(false);

  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/auth/sessions/{session_id}", { params: { path: { session_id: id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: mySessionsQueryOptions().queryKey }),
  });

  const items = (sessions.data?.items ?? []).filter((s) => showEnded || s.revoked_at === null);

  return (
    <>
      <title>Sessions · CliniGlobal CRM</title>
      <Section
        title="Sessions & devices"
        description="Where you are signed in to this organisation. Sign out any device you don't recognise."
        actions={
          <Button variant="danger" size="sm" onClick={() => setEverywhere(true)}>
            Sign out everywhere
          </Button>
        }
        flush
      >
        <div className="border-b border-border px-4 py-2.5 sm:px-5">
          <Checkbox label="Show ended sessions" checked={showEnded} onChange={(event) => setShowEnded(event.target.checked)} />
        </div>
        {sessions.isPending && <LoadingState label="Loading sessions…" />}
        {sessions.isError && (
          <div className="p-4">
            <ErrorState error={sessions.error} onRetry={() => void sessions.refetch()} />
          </div>
        )}
        {sessions.data && items.length === 0 && <EmptyState title="No sessions to show" />}
        {items.length > 0 && <SessionList sessions={items} onRevoke={setRevoking} />}
      </Section>

      <ConfirmDialog
        open={revoking !== undefined}
        onOpenChange={(open) => !open && setRevoking(undefined)}
        title="Sign out this device?"
        description={revoking ? `${describeDevice(revoking)}, signed in from ${revoking.ip ?? "an unknown IP"}.` : undefined}
        confirmLabel="Sign out device"
        destructive
        onConfirm={async () => {
          if (!revoking) return;
          await revoke.mutateAsync(revoking.id);
          toast("The device was signed out.");
        }}
      />
      <ConfirmDialog
        open={everywhere}
        onOpenChange={setEverywhere}
        title="Sign out everywhere?"
        description="This ends every session of yours in this organisation, on every device, including this one."
        confirmLabel="Sign out everywhere"
        destructive
        onConfirm={async () => {
          const ended = await auth.signOut({ everywhere: true });
          toast(`Signed out of ${ended} ${ended === 1 ? "session" : "sessions"}.`);
          await navigate({ to: "/sign-in" });
        }}
      />
    </>
  );
}
