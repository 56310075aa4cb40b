import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Dialog } from "@/components/ui/Dialog";
import { ErrorState, LoadingState } from "@/components/ui/States";
import { MergeForm } from "./MergeForm";
import { fetchPair, type Suggestion } from "./queries";

/** Loads both records fresh (their versions guard the merge), then asks field by field. */
export function MergeDialog({ suggestion, onClose }: { suggestion: Suggestion; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [swapped, setSwapped] = useState(false);
  const pair = useQuery({
    queryKey: ["duplicates", "pair", suggestion.id],
    queryFn: () => fetchPair(suggestion.object_type, suggestion.record_a.id, suggestion.record_b.id),
    staleTime: 0,
  });
  return (
    <Dialog
      open
      onOpenChange={(open) => {
        if (!open) onClose();
      }}
      title={`Merge ${suggestion.object_type === "contact" ? "contacts" : "companies"}`}
      description="Choose, field by field, what the merged record keeps. The other record's activities, deals and links move to it, and it goes to the trash."
      className="max-w-2xl"
    >
      {pair.isPending && <LoadingState label="Loading both records…" />}
      {pair.isError && <ErrorState error={pair.error} onRetry={() => void pair.refetch()} />}
      {pair.data && (
        <MergeForm
          key={String(swapped)}
          objectType={suggestion.object_type}
          kept={swapped ? pair.data[1] : pair.data[0]}
          other={swapped ? pair.data[0] : pair.data[1]}
          onSwap={() => setSwapped((s) => !s)}
          onStale={() => void queryClient.invalidateQueries({ queryKey: ["duplicates", "pair", suggestion.id] })}
          onMerged={onClose}
        />
      )}
    </Dialog>
  );
}
