import { useSuspenseQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { PageHeader } from "@/components/layout/PageHeader";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { meQueryOptions } from "@/lib/auth/me";
import { roleLabel } from "@/lib/auth/roles";
import { allowedSettingsPages } from "@/modules/settings/settingsPages";

function firstName(fullName: string): string {
  return fullName.trim().split(/\s+/)[0] ?? fullName;
}

export function HomePage() {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const settings = allowedSettingsPages(me);

  return (
    <div className="mx-auto flex w-full max-w-5xl flex-col gap-6">
      <title>Home · CliniGlobal CRM</title>
      <PageHeader
        title={`Welcome, ${firstName(me.full_name)}`}
        description={
          <>
            {me.organization_name} · {roleLabel(me.role)}
          </>
        }
      />

      {!me.mfa_enabled && (
        <Card className="flex flex-col gap-3 border-warning-border bg-warning-subtle px-4 py-4 sm:flex-row sm:items-center sm:px-5">
          <div className="min-w-0 flex-1">
            <p className="font-semibold text-fg">Protect your account with two-step verification</p>
            <p className="text-sm text-fg-muted">A code from your phone at sign-in keeps patient data safe even if your password leaks.</p>
          </div>
          <Button asChild size="sm">
            <Link to="/account/security">Set up MFA</Link>
          </Button>
        </Card>
      )}

      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <Card className="flex flex-col gap-2 px-4 py-4 sm:px-5">
          <h2 className="text-sm font-semibold text-fg">Your account</h2>
          <p className="text-sm text-fg-muted">{me.email}</p>
          <p className="flex flex-wrap gap-1.5">
            <Badge>{roleLabel(me.role)}</Badge>
            {me.mfa_enabled ? <Badge tone="success">MFA on</Badge> : <Badge tone="warning">MFA off</Badge>}
          </p>
          <div className="mt-auto flex flex-wrap gap-x-4 gap-y-1 pt-2 text-sm">
            <Link to="/account/profile" className="rounded font-medium text-accent hover:underline">
              Profile
            </Link>
            <Link to="/account/sessions" className="rounded font-medium text-accent hover:underline">
              Sessions &amp; devices
            </Link>
          </div>
        </Card>

        {settings.map((page) => (
          <Card key={page.to} className="flex flex-col gap-2 px-4 py-4 sm:px-5">
            <h2 className="text-sm font-semibold text-fg">
              <Link to={page.to} className="rounded hover:underline">
                {page.label}
              </Link>
            </h2>
            <p className="text-sm text-fg-muted">{page.description}</p>
          </Card>
        ))}
      </div>
    </div>
  );
}
