import { useQuery } from "@tanstack/react-query";
import { PageHeader } from "@/components/layout/PageHeader";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Spinner } from "@/components/ui/Spinner";
import { CheckRow } from "./CheckRow";
import { ReadinessSummary } from "./ReadinessSummary";
import { READINESS_REFRESH_MS, readinessQueryOptions } from "./readiness";
import { StatusErrorNotice } from "./StatusErrorNotice";

export function StatusPage() {
  const { data, error, isPending, isFetching, dataUpdatedAt, refetch } = useQuery(readinessQueryOptions());
  const retry = () => void refetch();

  return (
    <div className="mx-auto flex w-full max-w-3xl flex-col gap-6">
      <title>System status · CliniGlobal CRM</title>
      <PageHeader
        title="System status"
        description={`Readiness of the CRM backend and its dependencies. Refreshes every ${READINESS_REFRESH_MS / 1000} seconds.`}
        actions={
          <Button variant="secondary" size="sm" onClick={retry} disabled={isFetching} aria-busy={isFetching}>
            {isFetching ? <Spinner decorative /> : null}
            Refresh
          </Button>
        }
      />

      {error && <StatusErrorNotice error={error} stale={data !== undefined} retrying={isFetching} onRetry={retry} />}

      {isPending && (
        <Card className="flex items-center justify-center px-4 py-12">
          <Spinner label="Checking system status…" showLabel />
        </Card>
      )}

      {data && (
        <Card aria-labelledby="checks-heading" className="overflow-hidden">
          <h2 id="checks-heading" className="sr-only">
            Checks
          </h2>
          <ReadinessSummary report={data} checkedAt={dataUpdatedAt} />
          {data.checks.length > 0 ? (
            <ul className="divide-y divide-border">
              {data.checks.map((check) => (
                <CheckRow key={check.name} check={check} />
              ))}
            </ul>
          ) : (
            <p className="px-4 py-6 text-sm text-fg-muted sm:px-5">The backend reported no checks.</p>
          )}
        </Card>
      )}
    </div>
  );
}
