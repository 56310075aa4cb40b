import { Link } from "@tanstack/react-router";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { AdaptiveShell } from "./AdaptiveShell";

export function NotFoundPage() {
  return (
    <Card className="mx-auto flex max-w-md flex-col items-center gap-3 px-6 py-10 text-center">
      <title>Page not found · CliniGlobal CRM</title>
      <p className="font-mono text-xs text-fg-subtle">404</p>
      <h1 className="text-lg font-semibold">Page not found</h1>
      <p className="text-fg-muted">There is no page at this address.</p>
      <Button asChild variant="secondary" size="sm">
        <Link to="/">Go to the start page</Link>
      </Button>
    </Card>
  );
}

/** Not found at the top level: no layout around it yet, so it brings the shell along. */
export function RootNotFoundPage() {
  return (
    <AdaptiveShell>
      <NotFoundPage />
    </AdaptiveShell>
  );
}
