import { useState, type ReactNode } from "react";
import { errorMessage } from "@/lib/forms/apiErrors";
import { Button } from "./Button";
import { Dialog } from "./Dialog";
import { FormError } from "./FormError";
import { Spinner } from "./Spinner";

export type ConfirmDialogProps = {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: ReactNode;
  description?: ReactNode;
  confirmLabel: string;
  destructive?: boolean;
  /** Runs on confirm; the dialog closes when it resolves and shows the error when it throws. */
  onConfirm: () => Promise<unknown>;
  children?: ReactNode;
};

export function ConfirmDialog({
  open,
  onOpenChange,
  title,
  description,
  confirmLabel,
  destructive = false,
  onConfirm,
  children,
}: ConfirmDialogProps) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();

  const change = (next: boolean) => {
    if (pending) return;
    setError(undefined);
    onOpenChange(next);
  };

  const confirm = async () => {
    setPending(true);
    setError(undefined);
    try {
      await onConfirm();
      onOpenChange(false);
    } catch (caught) {
      setError(errorMessage(caught));
    } finally {
      setPending(false);
    }
  };

  return (
    <Dialog open={open} onOpenChange={change} title={title} description={description}>
      {children}
      <FormError message={error} />
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <Button variant="secondary" onClick={() => change(false)} disabled={pending}>
          Cancel
        </Button>
        <Button variant={destructive ? "danger" : "primary"} onClick={() => void confirm()} disabled={pending} aria-busy={pending}>
          {pending && <Spinner decorative />}
          {confirmLabel}
        </Button>
      </div>
    </Dialog>
  );
}
