import { useInfiniteQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { Alert } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Spinner } from "@/components/ui/Spinner";
import { ErrorState } from "@/components/ui/States";
import { ApiError } from "@/lib/api/ApiError";
import { api, send } from "@/lib/api/client";
import { errorMessage } from "@/lib/forms/apiErrors";
import { formatDateTime } from "@/lib/format";
import { toast } from "@/lib/toast/toast";
import { ImportStatusBadge } from "./ImportStatusBadge";
import { importErrorsQueryOptions, type ImportRun } from "./queries";

/** The error report as a CSV file (fetched with the session's token, then saved by the browser). */
async function downloadErrors(run: ImportRun) {
  const { data, error, response } = await send(
    api.GET("/api/v1/imports/{import_id}/errors.csv", { params: { path: { import_id: run.id } }, parseAs: "blob" }),
  );
  if (!response.ok || !(data instanceof Blob)) throw ApiError.fromResponse(response.status, error);
  const url = URL.createObjectURL(data);
  const link = document.createElement("a");
  link.href = url;
  link.download = `${run.file_name.replace(/\.[^.]+$/, "")}-errors.csv`;
  link.click();
  URL.revokeObjectURL(url);
}

const outcomeText: Partial<Record<ImportRun["status"], { tone: "success" | "warning" | "danger"; text: string }>> = {
  completed: { tone: "success", text: "The import is complete." },
  cancelled: { tone: "warning", text: "The import was cancelled. The rows imported before that stay." },
  failed: { tone: "danger", text: "The import stopped on an error. Running it again resumes after the last row it saved." },
};

/** Step 5: what the import did, and the rows it could not import with why. */
export function ImportReport({ run }: { run: ImportRun }) {
  const errors = useInfiniteQuery({ ...importErrorsQueryOptions(run.id), enabled: run.failed > 0 });
  const [downloading, setDownloading] = useState(false);
  const outcome = outcomeText[run.status];
  const rows = errors.data?.pages.flatMap((page) => page.items) ?? [];

  const download = async () => {
    setDownloading(true);
    try {
      await downloadErrors(run);
    } catch (error) {
      toast(`Couldn't download the errors: ${errorMessage(error)}`, "danger");
    } finally {
      setDownloading(false);
    }
  };

  return (
    <div className="flex flex-col gap-4">
      {outcome && <Alert tone={outcome.tone}>{outcome.text}</Alert>}
      <Card className="overflow-hidden">
        <div className="flex flex-wrap items-center justify-between gap-2 border-b border-border px-4 py-3 sm:px-5">
          <h2 className="text-base font-semibold text-fg">Result</h2>
          <span className="flex items-center gap-2 text-xs text-fg-subtle">
            <ImportStatusBadge status={run.status} /> {formatDateTime(run.updated_at)}
          </span>
        </div>
        <dl className="grid grid-cols-2 gap-px bg-border sm:grid-cols-4" aria-label="Import result">
          {(
            [
              ["created", "Created", run.created, "text-success"],
              ["updated", "Updated", run.updated, "text-accent"],
              ["skipped", "Skipped", run.skipped, "text-fg-muted"],
              ["failed", "Failed", run.failed, "text-danger"],
            ] as const
          ).map(([key, label, value, tone]) => (
            <div key={key} className="bg-surface px-4 py-3 sm:px-5">
              <dt className="text-xs text-fg-subtle">{label}</dt>
              <dd className={`text-2xl font-semibold tabular-nums ${tone}`} data-result={key}>
                {value.toLocaleString()}
              </dd>
            </div>
          ))}
        </dl>
      </Card>

      {run.failed > 0 && (
        <Card className="overflow-hidden">
          <div className="flex flex-col gap-2 border-b border-border px-4 py-3 sm:flex-row sm:items-center sm:justify-between sm:px-5">
            <div>
              <h2 className="text-base font-semibold text-fg">Rows not imported</h2>
              <p className="text-sm text-fg-muted">Fix them in the file and import just those rows again.</p>
            </div>
            <Button variant="secondary" size="sm" onClick={() => void download()} disabled={downloading} aria-busy={downloading}>
              {downloading && <Spinner decorative />}
              Download errors CSV
            </Button>
          </div>
          {errors.isPending && (
            <div className="p-4">
              <Spinner label="Loading errors…" showLabel />
            </div>
          )}
          {errors.isError && (
            <div className="p-4">
              <ErrorState error={errors.error} onRetry={() => void errors.refetch()} />
            </div>
          )}
          {rows.length > 0 && (
            <ul className="divide-y divide-border" aria-label="Rows not imported">
              {rows.map((row) => (
                <li key={`${row.row}-${row.error}`} className="flex gap-4 px-4 py-2.5 text-sm sm:px-5" data-error-row={row.row}>
                  <span className="w-16 shrink-0 text-fg-subtle">Line {row.row}</span>
                  <span className="min-w-0 break-words text-danger">{row.error}</span>
                </li>
              ))}
            </ul>
          )}
          {errors.hasNextPage && (
            <div className="border-t border-border px-4 py-3 text-center">
              <Button variant="secondary" size="sm" onClick={() => void errors.fetchNextPage()} disabled={errors.isFetchingNextPage}>
                {errors.isFetchingNextPage && <Spinner decorative />}
                Show more
              </Button>
            </div>
          )}
        </Card>
      )}

      <div className="flex flex-col gap-2 sm:flex-row sm:justify-end">
        <Button asChild variant="secondary">
          <Link to="/imports">Past imports</Link>
        </Button>
        <Button asChild>
          <Link to="/imports/new">Import another file</Link>
        </Button>
      </div>
    </div>
  );
}
