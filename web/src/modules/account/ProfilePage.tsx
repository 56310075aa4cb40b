import { useMutation, useSuspenseQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { Section } from "@/components/ui/Section";
import { Spinner } from "@/components/ui/Spinner";
import { api, unwrap } from "@/lib/api/client";
import { meQueryOptions } from "@/lib/auth/me";
import { roleLabel } from "@/lib/auth/roles";
import { errorMessage } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";

export function ProfilePage() {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const resetLink = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/auth/password/forgot", { body: { email: me.email } })),
    onSuccess: () => toast(`We sent a password reset link to ${me.email}.`),
    onError: (error) => toast(`Couldn't send the link: ${errorMessage(error)}`, "danger"),
  });

  return (
    <>
      <title>Profile · CliniGlobal CRM</title>
      <Section title="Profile">
        <dl className="grid gap-x-6 gap-y-4 sm:grid-cols-2">
          <Item label="Name">{me.full_name}</Item>
          <Item label="E-mail">{me.email}</Item>
          <Item label="Organisation">{me.organization_name}</Item>
          <Item label="Role">{roleLabel(me.role)}</Item>
          <Item label="Two-step verification">
            {me.mfa_enabled ? (
              <Badge tone="success" dot>
                On
              </Badge>
            ) : (
              <span className="flex flex-wrap items-center gap-2">
                <Badge tone="warning" dot>
                  Off
                </Badge>
                <Link to="/account/security" className="rounded text-sm font-medium text-accent hover:underline">
                  Set it up
                </Link>
              </span>
            )}
          </Item>
        </dl>
      </Section>

      <Section
        title="Password"
        description="We e-mail you a single-use link to set a new password. Setting it signs you out everywhere."
      >
        <Button variant="secondary" onClick={() => resetLink.mutate()} disabled={resetLink.isPending} aria-busy={resetLink.isPending}>
          {resetLink.isPending && <Spinner decorative />}
          E-mail me a password reset link
        </Button>
      </Section>

      {me.organizations.length > 1 && (
        <Section title="Your organisations" description="Switch between them from the organisation menu at the top." flush>
          <ul className="divide-y divide-border">
            {me.organizations.map((org) => (
              <li key={org.id} className="flex items-center justify-between gap-3 px-4 py-3 sm:px-5">
                <span className="min-w-0 truncate font-medium text-fg">{org.name}</span>
                <span className="flex shrink-0 items-center gap-2">
                  {org.id === me.organization_id && <Badge tone="accent">Current</Badge>}
                  <Badge>{roleLabel(org.role)}</Badge>
                </span>
              </li>
            ))}
          </ul>
        </Section>
      )}
    </>
  );
}

function Item({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium text-fg-subtle">{label}</dt>
      <dd className="mt-1 truncate text-sm text-fg">{children}</dd>
    </div>
  );
}
