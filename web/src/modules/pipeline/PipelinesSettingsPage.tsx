import { useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { can, meQueryOptions } from "@/lib/auth/me";
import { toast } from "@/lib/toast/toast";
import { PipelineCard } from "./PipelineCard";
import { PipelineNameForm } from "./PipelineNameForm";
import { STARTER_STAGES } from "./pipelineForms";
import { pipelinesQueryKey, pipelinesQueryOptions } from "./queries";

/** Settings › Pipelines: pipelines and their stages (names, probabilities, won/lost, order). */
export function PipelinesSettingsPage() {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const pipelines = useQuery(pipelinesQueryOptions(true));
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);

  return (
    <div className="flex flex-col gap-4">
      <title>Pipelines · Settings · CliniGlobal CRM</title>
      {/* The settings layout holds the page's h1; each pipeline below is a section. */}
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <p className="text-sm text-fg-muted">
          Stages deals move through. Drag a stage by its grip (or focus the grip and use Space and the arrow keys) to reorder.
        </p>
        {can(me, "pipelines:create") && (
          <Button size="sm" className="self-start" onClick={() => setCreating(true)}>
            New pipeline
          </Button>
        )}
      </div>
      {pipelines.isPending && <LoadingState label="Loading pipelines…" />}
      {pipelines.isError && <ErrorState error={pipelines.error} onRetry={() => void pipelines.refetch()} />}
      {pipelines.data?.items.length === 0 && <EmptyState title="No pipelines yet">Create one to start tracking deals.</EmptyState>}
      {pipelines.data?.items.map((pipeline) => (
        <PipelineCard key={pipeline.id} pipeline={pipeline} canUpdate={can(me, "pipelines:update")} canDelete={can(me, "pipelines:delete")} />
      ))}
      <Dialog open={creating} onOpenChange={setCreating} title="New pipeline">
        {creating && (
          <PipelineNameForm
            submitLabel="Create pipeline"
            hint="It starts with the usual stages (Enquiry to Won/Lost); rename, add or remove them after."
            onCancel={() => setCreating(false)}
            onSubmit={async (name) => {
              await unwrap(api.POST("/api/v1/pipelines", { body: { name, stages: STARTER_STAGES, is_default: false } }));
              setCreating(false);
              toast(`${name} was created.`);
              await queryClient.invalidateQueries({ queryKey: pipelinesQueryKey });
            }}
          />
        )}
      </Dialog>
    </div>
  );
}
