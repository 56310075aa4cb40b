import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Dialog } from "@/components/ui/Dialog";
import { MenuContent, MenuItem, MenuRoot, MenuTrigger } from "@/components/ui/Menu";
import { Section } from "@/components/ui/Section";
import { api, unwrap } from "@/lib/api/client";
import { toast } from "@/lib/toast/toast";
import { PipelineNameForm } from "./PipelineNameForm";
import { pipelinesQueryKey, type Pipeline, type Stage } from "./queries";
import { StageForm } from "./StageForm";
import { StageList } from "./StageList";

type Editing = { kind: "rename" } | { kind: "add-stage" } | { kind: "edit-stage"; stage: Stage };

/** One pipeline in settings: its name and flags, its stages (ordered by drag), and what can change. */
export function PipelineCard({ pipeline, canUpdate, canDelete }: { pipeline: Pipeline; canUpdate: boolean; canDelete: boolean }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Editing>();
  const [deletingStage, setDeletingStage] = useState<Stage>();
  const [deleting, setDeleting] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: pipelinesQueryKey });
  const path = { pipeline_id: pipeline.id };

  const patch = async (body: { name?: string; is_default?: boolean; archived?: boolean }, message: string) => {
    try {
      await unwrap(api.PATCH("/api/v1/pipelines/{pipeline_id}", { params: { path }, body }));
      toast(message);
      await refresh();
    } catch (error) {
      toast(error instanceof Error ? error.message : "That did not work.", "danger");
    }
  };

  return (
    <>
      <Section
        title={pipeline.name}
        description={
          <span className="flex flex-wrap items-center gap-1.5">
            {pipeline.is_default && <Badge tone="accent">Default</Badge>}
            {pipeline.archived_at && <Badge>Archived</Badge>}
            <span>
              {pipeline.stages.length} {pipeline.stages.length === 1 ? "stage" : "stages"}
            </span>
          </span>
        }
        actions={
          (canUpdate || canDelete) && (
            <>
              {canUpdate && (
                <Button size="sm" variant="secondary" onClick={() => setEditing({ kind: "add-stage" })}>
                  Add stage<span className="sr-only"> to {pipeline.name}</span>
                </Button>
              )}
              <MenuRoot>
                <MenuTrigger asChild>
                  <Button size="sm" variant="ghost" aria-label={`More actions for ${pipeline.name}`}>
                    More
                  </Button>
                </MenuTrigger>
                <MenuContent align="end">
                  {canUpdate && <MenuItem onSelect={() => setEditing({ kind: "rename" })}>Rename</MenuItem>}
                  {canUpdate && !pipeline.is_default && !pipeline.archived_at && (
                    <MenuItem onSelect={() => void patch({ is_default: true }, `${pipeline.name} is now the default pipeline.`)}>Make default</MenuItem>
                  )}
                  {canUpdate && !pipeline.is_default && (
                    <MenuItem
                      onSelect={() =>
                        void patch(
                          { archived: !pipeline.archived_at },
                          pipeline.archived_at ? `${pipeline.name} is active again.` : `${pipeline.name} was archived.`,
                        )
                      }
                    >
                      {pipeline.archived_at ? "Unarchive" : "Archive"}
                    </MenuItem>
                  )}
                  {canDelete && !pipeline.is_default && (
                    <MenuItem danger onSelect={() => setDeleting(true)}>
                      Delete…
                    </MenuItem>
                  )}
                </MenuContent>
              </MenuRoot>
            </>
          )
        }
        flush
      >
        <StageList pipeline={pipeline} canEdit={canUpdate} onEdit={(stage) => setEditing({ kind: "edit-stage", stage })} onDelete={setDeletingStage} />
      </Section>

      <Dialog
        open={editing !== undefined}
        onOpenChange={(open) => !open && setEditing(undefined)}
        title={editing?.kind === "rename" ? `Rename ${pipeline.name}` : editing?.kind === "edit-stage" ? `Edit ${editing.stage.name}` : `Add a stage to ${pipeline.name}`}
      >
        {editing?.kind === "rename" && (
          <PipelineNameForm
            name={pipeline.name}
            submitLabel="Rename"
            onCancel={() => setEditing(undefined)}
            onSubmit={async (name) => {
              await unwrap(api.PATCH("/api/v1/pipelines/{pipeline_id}", { params: { path }, body: { name } }));
              setEditing(undefined);
              toast(`Renamed to ${name}.`);
              await refresh();
            }}
          />
        )}
        {(editing?.kind === "add-stage" || editing?.kind === "edit-stage") && (
          <StageForm
            stage={editing.kind === "edit-stage" ? editing.stage : undefined}
            onCancel={() => setEditing(undefined)}
            onSubmit={async (body) => {
              if (editing.kind === "edit-stage") {
                await unwrap(api.PATCH("/api/v1/pipelines/{pipeline_id}/stages/{stage_id}", { params: { path: { ...path, stage_id: editing.stage.id } }, body }));
              } else {
                // New stages go before the won/lost ones, where open stages belong.
                const firstClosed = pipeline.stages.findIndex((s) => s.is_won || s.is_lost);
                const position = body.is_won || body.is_lost || firstClosed < 0 ? undefined : firstClosed;
                await unwrap(
                  api.POST("/api/v1/pipelines/{pipeline_id}/stages", {
                    params: { path, query: position === undefined ? {} : { position } },
                    body,
                  }),
                );
              }
              setEditing(undefined);
              toast(editing.kind === "edit-stage" ? `${body.name} was saved.` : `${body.name} was added.`);
              await refresh();
            }}
          />
        )}
      </Dialog>

      <ConfirmDialog
        open={deletingStage !== undefined}
        onOpenChange={(open) => !open && setDeletingStage(undefined)}
        title={`Delete the stage ${deletingStage?.name ?? ""}?`}
        description="Only a stage that no deal is in, or ever passed through, can be deleted; otherwise rename it."
        confirmLabel="Delete stage"
        destructive
        onConfirm={async () => {
          if (!deletingStage) return;
          await unwrap(api.DELETE("/api/v1/pipelines/{pipeline_id}/stages/{stage_id}", { params: { path: { ...path, stage_id: deletingStage.id } } }));
          toast(`${deletingStage.name} was deleted.`);
          await refresh();
        }}
      />
      <ConfirmDialog
        open={deleting}
        onOpenChange={setDeleting}
        title={`Delete ${pipeline.name}?`}
        description="Only a pipeline that never held a deal can be deleted; otherwise archive it."
        confirmLabel="Delete pipeline"
        destructive
        onConfirm={async () => {
          await unwrap(api.DELETE("/api/v1/pipelines/{pipeline_id}", { params: { path } }));
          toast(`${pipeline.name} was deleted.`);
          await refresh();
        }}
      />
    </>
  );
}
