import { queryOptions } from "@tanstack/react-query";
import type { components } from "@/client/schema";
import { api, unwrap } from "@/lib/api/client";

export type Pipeline = components["schemas"]["PipelineOut"];
export type Stage = components["schemas"]["StageOut"];
export type Board = components["schemas"]["Board"];
export type BoardColumn = components["schemas"]["BoardColumn"];
export type DealCard = components["schemas"]["DealCard"];

/** Owner and close-date filters of the board, as the URL carries them. */
export type BoardFilters = { owner?: string | undefined; closeBefore?: string | undefined };

/** Cards per column on first load; "Load more" fetches this many again. */
export const PER_STAGE = 50;
export const MORE_PER_PAGE = 100;

export const pipelinesQueryKey = ["pipelines"] as const;

export const pipelinesQueryOptions = (includeArchived = false) =>
  queryOptions({
    queryKey: [...pipelinesQueryKey, { includeArchived }],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/pipelines", { signal, params: { query: { include_archived: includeArchived } } })),
    staleTime: 60_000,
  });

function filterQuery(filters: BoardFilters) {
  return {
    ...(filters.owner ? { owner_id: filters.owner } : {}),
    ...(filters.closeBefore ? { close_before: filters.closeBefore } : {}),
  };
}

export const boardQueryKey = (pipelineId: string, filters: BoardFilters) =>
  ["pipelines", pipelineId, "board", { owner: filters.owner ?? null, closeBefore: filters.closeBefore ?? null }] as const;

export const boardQueryOptions = (pipelineId: string, filters: BoardFilters) =>
  queryOptions({
    queryKey: boardQueryKey(pipelineId, filters),
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/pipelines/{pipeline_id}/board", {
          signal,
          params: { path: { pipeline_id: pipelineId }, query: { per_stage: PER_STAGE, ...filterQuery(filters) } },
        }),
      ),
    // Pages loaded with "Load more" live in this cache entry: a background refetch would drop
    // them while someone is working the board, so the board refreshes on demand (and after errors).
    staleTime: 5 * 60_000,
    refetchOnWindowFocus: false,
  });

export function fetchStagePage(pipelineId: string, stageId: string, cursor: string, filters: BoardFilters) {
  return unwrap(
    api.GET("/api/v1/pipelines/{pipeline_id}/stages/{stage_id}/deals", {
      params: {
        path: { pipeline_id: pipelineId, stage_id: stageId },
        query: { cursor, limit: MORE_PER_PAGE, ...filterQuery(filters) },
      },
    }),
  );
}

/** The pipeline a bare /pipeline opens: the organisation's default, else the first one. */
export function defaultPipeline(pipelines: Pipeline[]): Pipeline | undefined {
  return pipelines.find((p) => p.is_default && !p.archived_at) ?? pipelines.find((p) => !p.archived_at) ?? pipelines[0];
}
