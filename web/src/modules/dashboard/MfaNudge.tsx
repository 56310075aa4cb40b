import { Link } from "@tanstack/react-router";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";

export function MfaNudge() {
  return (
    <Card className="flex flex-col gap-3 border-warning-border bg-warning-subtle px-4 py-4 sm:flex-row sm:items-center sm:px-5">
      <div className="min-w-0 flex-1">
        <p className="font-semibold text-fg">Protect your account with two-step verification</p>
        <p className="text-sm text-fg-muted">A code from your phone at sign-in keeps patient data safe even if your password leaks.</p>
      </div>
      <Button asChild size="sm">
        <Link to="/account/security">Set up MFA</Link>
      </Button>
    </Card>
  );
}
