import type { ErrorComponentProps } from "@tanstack/react-router";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { isApiError } from "@/lib/api/ApiError";

export function RouteErrorPage({ error, reset }: ErrorComponentProps) {
  const detail = isApiError(error) ? error.detail : "An unexpected error occurred while showing this page.";
  return (
    <Card role="alert" className="mx-auto flex max-w-md flex-col items-center gap-3 px-6 py-10 text-center">
      <h1 className="text-lg font-semibold">Something went wrong</h1>
      <p className="text-fg-muted">{detail}</p>
      <Button variant="secondary" size="sm" onClick={reset}>
        Try again
      </Button>
    </Card>
  );
}
