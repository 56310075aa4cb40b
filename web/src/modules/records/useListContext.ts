import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { membersQueryOptions } from "@/modules/settings/queries";
import type { Option } from "./FilterValueInput";
import type { CellContext } from "./objects";
import { pipelinesQueryOptions } from "./queries";

export type ListLookups = {
  context: CellContext;
  members: Option[];
  pipelines: Option[];
  /** Deal stages, labelled with their pipeline when there are several. */
  stages: Array<Option & { lost: boolean }>;
};

/** Names behind ids in the lists: members (owners) and, for deals, pipelines and stages. */
export function useListLookups(withPipelines: boolean): ListLookups {
  const members = useQuery(membersQueryOptions());
  const pipelines = useQuery({ ...pipelinesQueryOptions(), enabled: withPipelines });
  return useMemo(() => {
    const memberOptions = (members.data?.items ?? [])
      .map((member) => ({ value: member.user_id, label: member.full_name }))
      .sort((a, b) => a.label.localeCompare(b.label));
    const pipelineItems = pipelines.data?.items ?? [];
    const several = pipelineItems.length > 1;
    const stages = pipelineItems.flatMap((pipeline) =>
      pipeline.stages.map((stage) => ({
        value: stage.id,
        label: several ? `${pipeline.name}: ${stage.name}` : stage.name,
        lost: stage.is_lost,
      })),
    );
    return {
      context: {
        members: new Map(memberOptions.map((m) => [m.value, m.label])),
        stages: new Map(pipelineItems.flatMap((p) => p.stages.map((s) => [s.id, s.name] as const))),
      },
      members: memberOptions,
      pipelines: pipelineItems.map((p) => ({ value: p.id, label: p.name })),
      stages,
    };
  }, [members.data, pipelines.data]);
}
