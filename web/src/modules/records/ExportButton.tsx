import { useState } from "react";
import { Button } from "@/components/ui/Button";
import { Spinner } from "@/components/ui/Spinner";
import { errorMessage } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { downloadExport, type ObjectKey } from "./recordApi";

/** Downloads the current view (filters, search, sort, visible columns) as CSV. */
export function ExportButton({ object, params, columns }: { object: ObjectKey; params: Record<string, string>; columns: string[] }) {
  const [pending, setPending] = useState(false);
  return (
    <Button
      variant="secondary"
      size="sm"
      disabled={pending}
      aria-busy={pending}
      onClick={() => {
        setPending(true);
        downloadExport(object, params, columns)
          .then((file) => toast(`Exported ${file}.`))
          .catch((error: unknown) => toast(`Export failed: ${errorMessage(error)}`, "danger"))
          .finally(() => setPending(false));
      }}
    >
      {pending ? (
        <Spinner decorative />
      ) : (
        <svg aria-hidden="true" viewBox="0 0 16 16" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="1.6">
          <path d="M8 2v8M4.5 6.5L8 10l3.5-3.5M3 13h10" />
        </svg>
      )}
      Export CSV
    </Button>
  );
}
