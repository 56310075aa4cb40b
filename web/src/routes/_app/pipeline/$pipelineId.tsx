import { createFileRoute } from "@tanstack/react-router";
import { requireBoard, validateBoardSearch } from "@/modules/pipeline/route";
import { PipelinePage } from "@/modules/pipeline/PipelinePage";

export const Route = createFileRoute("/_app/pipeline/$pipelineId")({
  beforeLoad: ({ context }) => requireBoard(context.me),
  validateSearch: validateBoardSearch,
  component: PipelineBoard,
});

function PipelineBoard() {
  const { pipelineId } = Route.useParams();
  const search = Route.useSearch();
  const navigate = Route.useNavigate();
  return (
    <PipelinePage
      pipelineId={pipelineId}
      filters={{ owner: search.owner, closeBefore: search.close_before }}
      onFiltersChange={(f) => void navigate({ search: { owner: f.owner, close_before: f.closeBefore }, replace: true })}
      onPipelineChange={(id) => void navigate({ to: "/pipeline/$pipelineId", params: { pipelineId: id }, search })}
    />
  );
}
