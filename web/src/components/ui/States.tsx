import type { ReactNode } from "react";
import { errorMessage } from "@/lib/forms/apiErrors";
import { Alert } from "./Alert";
import { Button } from "./Button";
import { Card } from "./Card";
import { Spinner } from "./Spinner";

export function LoadingState({ label = "Loading…" }: { label?: string }) {
  return (
    <Card className="flex items-center justify-center px-4 py-12">
      <Spinner label={label} showLabel />
    </Card>
  );
}

export function ErrorState({ error, onRetry, title = "Couldn't load this" }: { error: unknown; onRetry?: () => void; title?: string }) {
  return (
    <Alert tone="danger" title={title}>
      <div className="flex flex-wrap items-center gap-3">
        <span>{errorMessage(error)}</span>
        {onRetry && (
          <Button variant="secondary" size="sm" onClick={onRetry}>
            Try again
          </Button>
        )}
      </div>
    </Alert>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="flex flex-col items-center gap-2 px-4 py-10 text-center">
      <p className="font-medium text-fg">{title}</p>
      {children && <p className="max-w-sm text-sm text-fg-muted">{children}</p>}
      {action}
    </div>
  );
}
