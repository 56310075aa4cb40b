import { useQuery } from "@tanstack/react-query";
import { ErrorState, LoadingState } from "@/components/ui/States";
import { MappingForm } from "./MappingForm";
import { importFieldsQueryOptions, type ImportObject, type ImportRun } from "./queries";

export type MappingStepProps = { run: ImportRun; onDone: () => void; onCancel: () => void };

/** Step 2: which field each column of the file fills, starting from the server's suggestion. */
export function MappingStep({ run, onDone, onCancel }: MappingStepProps) {
  const fields = useQuery(importFieldsQueryOptions(run.object_type as ImportObject));
  if (fields.isPending) return <LoadingState label="Loading fields…" />;
  if (fields.isError) return <ErrorState error={fields.error} onRetry={() => void fields.refetch()} />;
  return <MappingForm run={run} fields={fields.data} onDone={onDone} onCancel={onCancel} />;
}
