import { useState } from "react";
import { Button } from "@/components/ui/Button";
import { Spinner } from "@/components/ui/Spinner";
import { errorMessage } from "@/lib/forms/apiErrors";

/** "In the trash" with a Restore button (and the restore's error next to it). */
export function TrashNotice({ noun, onRestore, canRestore }: { noun: string; onRestore: () => Promise<void>; canRestore: boolean }) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string>();
  return (
    <div className="flex flex-wrap items-center gap-3" data-trashed>
      <span>This {noun} is in the trash. It is hidden from lists and search until it is restored.</span>
      {canRestore && (
        <Button
          size="sm"
          variant="secondary"
          disabled={pending}
          onClick={() => {
            setPending(true);
            setError(undefined);
            onRestore()
              .catch((caught: unknown) => setError(errorMessage(caught)))
              .finally(() => setPending(false));
          }}
        >
          {pending && <Spinner decorative />}
          Restore
        </Button>
      )}
      {error && <span className="text-xs font-medium text-danger">{error}</span>}
    </div>
  );
}
