import { useState } from "react";
import { Alert } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { Spinner } from "@/components/ui/Spinner";

/** Shown after a save was refused because someone else saved first; reloading shows their version. */
export function ConflictBanner({ noun, onReload }: { noun: string; onReload: () => Promise<void> }) {
  const [pending, setPending] = useState(false);
  return (
    <Alert tone="warning" title={`This ${noun} was changed by someone else`} data-conflict>
      <div className="flex flex-wrap items-center gap-3">
        <span>Your last edit was not saved, so their changes are kept. Reload to see the current version and edit again.</span>
        <Button
          size="sm"
          variant="secondary"
          disabled={pending}
          onClick={() => {
            setPending(true);
            void onReload().finally(() => setPending(false));
          }}
        >
          {pending && <Spinner decorative />}
          Reload
        </Button>
      </div>
    </Alert>
  );
}
