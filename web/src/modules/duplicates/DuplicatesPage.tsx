import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { PageHeader } from "@/components/layout/PageHeader";
import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { Spinner } from "@/components/ui/Spinner";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/States";
import { isApiError } from "@/lib/api/ApiError";
import { api, unwrap } from "@/lib/api/client";
import { errorMessage } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { MergeDialog } from "./MergeDialog";
import { duplicateKeys, suggestionsQueryOptions, waitForJob, type DuplicateObject, type Suggestion } from "./queries";
import { SuggestionRow } from "./SuggestionRow";

const tabs: Array<{ value: DuplicateObject; label: string }> = [
  { value: "contact", label: "Contacts" },
  { value: "company", label: "Companies" },
];

/** Possible duplicates found by the matching job: dismiss them, or merge with a choice per field. */
export function DuplicatesPage({ canMerge }: { canMerge: boolean }) {
  const queryClient = useQueryClient();
  const [objectType, setObjectType] = useState<DuplicateObject>("contact");
  const [merging, setMerging] = useState<Suggestion>();
  const suggestions = useInfiniteQuery(suggestionsQueryOptions(objectType));
  const items = suggestions.data?.pages.flatMap((p) => p.items) ?? [];

  // Starting the search and waiting for its job are one action: the button stays busy until done.
  const run = useMutation({
    mutationFn: async () => {
      const started = await unwrap(api.POST("/api/v1/duplicates/run", { body: { object_types: ["contact", "company"] } }));
      const result = await waitForJob(started.job_run_id);
      if (result.status !== "succeeded") throw new Error(result.message ?? "the duplicate search failed");
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: duplicateKeys.all }),
    onError: (error) => toast(`The duplicate search did not finish: ${error instanceof Error && !isApiError(error) ? error.message : errorMessage(error)}`, "danger"),
  });
  const dismiss = useMutation({
    mutationFn: (id: string) => unwrap(api.POST("/api/v1/duplicates/{suggestion_id}/dismiss", { params: { path: { suggestion_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: duplicateKeys.list(objectType) }),
    onError: (error) => toast(`Couldn't dismiss it: ${errorMessage(error)}`, "danger"),
  });
  const searching = run.isPending;

  return (
    <div className="mx-auto flex max-w-5xl flex-col gap-6">
      <title>Duplicates · CliniGlobal CRM</title>
      <PageHeader
        title="Duplicates"
        description="Records that look like the same person or company: by name (typos, nicknames, swapped names), company, date of birth or web domain."
        actions={
          canMerge && (
            <Button variant="secondary" size="sm" onClick={() => run.mutate()} disabled={searching} aria-busy={searching}>
              {searching && <Spinner decorative />}
              {searching ? "Searching…" : "Search again"}
            </Button>
          )
        }
      />
      <div role="tablist" aria-label="Record type" className="flex gap-1 self-start rounded-md border border-border bg-surface-muted p-1">
        {tabs.map((tab) => (
          <button
            key={tab.value}
            role="tab"
            type="button"
            aria-selected={objectType === tab.value}
            onClick={() => setObjectType(tab.value)}
            className="cursor-pointer rounded px-3 py-1.5 text-sm font-medium text-fg-muted aria-selected:bg-surface aria-selected:text-fg aria-selected:shadow-sm"
          >
            {tab.label}
          </button>
        ))}
      </div>
      {suggestions.isPending && <LoadingState label="Loading suggestions…" />}
      {suggestions.isError && <ErrorState error={suggestions.error} onRetry={() => void suggestions.refetch()} />}
      {suggestions.data && items.length === 0 && (
        <Card>
          <EmptyState title="No possible duplicates">
            {canMerge ? "Nothing left to review. Search again after an import or a busy week." : "Nothing to review."}
          </EmptyState>
        </Card>
      )}
      {items.length > 0 && (
        <Card className="overflow-hidden">
          <ul className="divide-y divide-border">
            {items.map((suggestion) => (
              <li key={suggestion.id}>
                <SuggestionRow
                  suggestion={suggestion}
                  canMerge={canMerge}
                  dismissing={dismiss.isPending && dismiss.variables === suggestion.id}
                  onDismiss={() => dismiss.mutate(suggestion.id)}
                  onMerge={() => setMerging(suggestion)}
                />
              </li>
            ))}
          </ul>
          {suggestions.hasNextPage && (
            <div className="border-t border-border px-4 py-3 text-center">
              <Button variant="secondary" size="sm" onClick={() => void suggestions.fetchNextPage()} disabled={suggestions.isFetchingNextPage}>
                {suggestions.isFetchingNextPage && <Spinner decorative />}
                Show more
              </Button>
            </div>
          )}
        </Card>
      )}
      {merging && <MergeDialog suggestion={merging} onClose={() => setMerging(undefined)} />}
    </div>
  );
}
