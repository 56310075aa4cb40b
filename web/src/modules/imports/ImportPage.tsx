import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { PageHeader } from "@/components/layout/PageHeader";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { ErrorState, LoadingState } from "@/components/ui/States";
import { ImportReport } from "./ImportReport";
import { objectLabel } from "./labels";
import { MappingStep } from "./MappingStep";
import { PreviewStep } from "./PreviewStep";
import { ProgressPanel } from "./ProgressPanel";
import { deleteImport, importKeys, importQueryOptions, isActive } from "./queries";
import { WizardSteps, type WizardStep } from "./WizardSteps";

/**
 * One import, at whatever step it is: mapping and preview before it runs, progress while it
 * runs (polled), the report after. The URL holds the import, so a reload resumes where it was.
 */
export function ImportPage({ importId }: { importId: string }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const run = useQuery(importQueryOptions(importId));
  const [step, setStep] = useState<"map" | "preview">("map");
  const [discarding, setDiscarding] = useState(false);

  if (run.isPending) return <LoadingState label="Loading the import…" />;
  if (run.isError) return <ErrorState error={run.error} onRetry={() => void run.refetch()} />;

  const data = run.data;
  const current: WizardStep =
    data.status === "uploaded" ? (step === "map" ? "Map columns" : "Preview") : isActive(data.status) ? "Import" : "Report";

  return (
    <div className="mx-auto flex max-w-4xl flex-col gap-6">
      <title>{`${data.file_name} · Import · CliniGlobal CRM`}</title>
      <PageHeader
        title={data.file_name}
        description={`Import of ${objectLabel(data.object_type).plural.toLowerCase()}${data.total_rows !== null ? ` · ${data.total_rows.toLocaleString()} rows` : ""}`}
        actions={
          <Button asChild variant="secondary" size="sm">
            <Link to="/imports">Past imports</Link>
          </Button>
        }
      />
      <WizardSteps current={current} />
      {data.status === "uploaded" &&
        (step === "map" ? (
          <MappingStep run={data} onDone={() => setStep("preview")} onCancel={() => setDiscarding(true)} />
        ) : (
          <PreviewStep run={data} onBack={() => setStep("map")} />
        ))}
      {isActive(data.status) && <ProgressPanel run={data} />}
      {current === "Report" && <ImportReport run={data} />}
      <ConfirmDialog
        open={discarding}
        onOpenChange={setDiscarding}
        title="Discard this import?"
        description="The uploaded file is deleted. Nothing was imported from it."
        confirmLabel="Discard"
        destructive
        onConfirm={async () => {
          await deleteImport(importId);
          queryClient.removeQueries({ queryKey: importKeys.one(importId) });
          void queryClient.invalidateQueries({ queryKey: importKeys.list() });
          await navigate({ to: "/imports/new" });
        }}
      />
    </div>
  );
}
