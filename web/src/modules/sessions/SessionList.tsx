import type { components } from "@/client/schema";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { formatDateTime, formatRelative } from "@/lib/format";

export type SessionOut = components["schemas"]["SessionOut"];

export function describeDevice(session: Pick<SessionOut, "browser" | "os" | "device">): string {
  const parts = [session.browser, session.os ? `on ${session.os}` : null].filter(Boolean).join(" ");
  const device = session.device && session.device !== "Other" ? ` (${session.device})` : "";
  return (parts || "Unknown device") + device;
}

export type SessionListProps = {
  sessions: SessionOut[];
  /** Who each session belongs to (the organisation-wide list); omitted for your own sessions. */
  userName?: (userId: string) => string;
  /** Revokes a session; omitted when the viewer may not. The current session is never offered. */
  onRevoke?: ((session: SessionOut) => void) | undefined;
  revokeLabel?: string;
};

/** Sessions as a list of rows that reflow from phone to desktop. */
export function SessionList({ sessions, userName, onRevoke, revokeLabel = "Sign out" }: SessionListProps) {
  return (
    <ul className="divide-y divide-border">
      {sessions.map((session) => {
        const active = session.revoked_at === null;
        return (
          <li key={session.id} className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:gap-4 sm:px-5" data-session={session.id}>
            <div className="min-w-0 flex-1">
              <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                {userName && <span className="font-medium text-fg">{userName(session.user_id)}</span>}
                <span className={userName ? "text-fg-muted" : "font-medium text-fg"}>{describeDevice(session)}</span>
                {session.current && <Badge tone="accent">This device</Badge>}
                {session.new_device && <Badge tone="warning">New device</Badge>}
                {active ? (
                  <Badge tone="success" dot>
                    Active
                  </Badge>
                ) : (
                  <Badge tone="neutral">Ended</Badge>
                )}
              </div>
              <p className="mt-1 text-xs text-fg-subtle">
                {[
                  session.ip ?? "IP unknown",
                  `signed in ${formatDateTime(session.created_at)}`,
                  session.mfa ? "with MFA" : "without MFA",
                  session.method === "switch" ? "switched organisation" : null,
                  active ? `last active ${formatRelative(session.last_seen_at)}` : `ended ${formatDateTime(session.revoked_at)}`,
                ]
                  .filter(Boolean)
                  .join(" · ")}
              </p>
            </div>
            {onRevoke && active && !session.current && (
              <Button variant="secondary" size="sm" className="self-start sm:self-center" onClick={() => onRevoke(session)}>
                {revokeLabel}
                <span className="sr-only"> {describeDevice(session)}</span>
              </Button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
