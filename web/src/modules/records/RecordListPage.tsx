import { useInfiniteQuery, useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { PageHeader } from "@/components/layout/PageHeader";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/States";
import { isApiError } from "@/lib/api/ApiError";
import { can, meQueryOptions } from "@/lib/auth/me";
import { errorMessage } from "@/lib/forms/apiErrors";
import { BulkActionDialog } from "./BulkActionDialog";
import type { BulkAction } from "./bulkActions";
import { BulkBar } from "./BulkBar";
import { BulkResults, type BulkOutcome } from "./BulkResults";
import { ColumnChooser } from "./ColumnChooser";
import { CreateRecordDialog } from "./create/CreateRecordDialog";
import { ExportButton } from "./ExportButton";
import { FilterBuilder } from "./FilterBuilder";
import { FilterChips } from "./FilterChips";
import { formatTotal } from "./format";
import { customFilterFields, emptyState, fromView, sameList, searchFromState, stateFromSearch, toQueryParams, toViewFilters, type ListSearch, type ListState } from "./listQuery";
import { customColumns, OBJECTS, type Column } from "./objects";
import { customFieldsQueryOptions, recordListQueryOptions, recordsKey, savedViewsQueryOptions } from "./queries";
import { bulkDelete, EXPORT_PATHS, PERMISSIONS, type BulkResult, type ObjectKey } from "./recordApi";
import { RecordTable } from "./RecordTable";
import { SavedViewsMenu } from "./SavedViewsMenu";
import { SearchBox } from "./SearchBox";
import { useListLookups } from "./useListContext";

export type RecordListPageProps = {
  object: ObjectKey;
  search: ListSearch;
  onSearchChange: (search: ListSearch) => void;
};

const TITLES: Record<ObjectKey, string> = { contacts: "Contacts", companies: "Companies", leads: "Leads", deals: "Deals" };

/** A record list: search, filters, sort, columns, saved views, export, selection and bulk actions. */
export function RecordListPage({ object, search, onSearchChange }: RecordListPageProps) {
  const config = OBJECTS[object];
  const permissions = PERMISSIONS[object];
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const queryClient = useQueryClient();
  const state = useMemo(() => stateFromSearch(search), [search]);
  const setState = (change: Partial<ListState>) => onSearchChange(searchFromState({ ...state, ...change }));

  const definitions = useQuery(customFieldsQueryOptions(config.objectType));
  const lookups = useListLookups(object === "deals");
  // Roles that may not see deal amounts may not sort or filter by them either (the API says 403).
  const hideAmounts = object === "deals" && !can(me, "deal_amounts:read");

  const allColumns = useMemo<Column[]>(
    () => [...config.columns.filter((c) => !(hideAmounts && c.key === "amount")), ...customColumns(definitions.data?.items ?? [])],
    [config, hideAmounts, definitions.data],
  );
  const visibleKeys = useMemo(() => {
    const known = new Set(allColumns.map((c) => c.key));
    const keys = (state.columns ?? config.defaultColumns).filter((key) => known.has(key) && key !== "name");
    return ["name", ...keys];
  }, [allColumns, state.columns, config.defaultColumns]);
  const columns = useMemo(() => {
    const byKey = new Map(allColumns.map((c) => [c.key, c]));
    return visibleKeys.map((key) => byKey.get(key)).filter((c): c is Column => c !== undefined);
  }, [allColumns, visibleKeys]);
  const filterFields = useMemo(
    () => [...config.filters.filter((f) => !(hideAmounts && f.name === "amount")), ...customFilterFields(definitions.data?.items ?? [])],
    [config, hideAmounts, definitions.data],
  );
  const filterOptions = useMemo(
    () => ({ members: lookups.members, stages: lookups.stages, pipelines: lookups.pipelines }),
    [lookups],
  );

  const params = useMemo(() => toQueryParams(state), [state]);
  const list = useInfiniteQuery(recordListQueryOptions(object, params));
  const rows = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  const total = list.data?.pages[0]?.total;

  // Selection survives scrolling and paging; a new query (other filters) starts afresh.
  const [selection, setSelection] = useState<{ key: string; ids: ReadonlySet<string> }>({ key: "", ids: new Set() });
  const paramsKey = JSON.stringify(params);
  const selected = useMemo(() => (selection.key === paramsKey ? selection.ids : new Set<string>()), [selection, paramsKey]);
  const anchor = useRef<string | undefined>(undefined);
  const rowsRef = useRef(rows);
  useEffect(() => {
    rowsRef.current = rows;
  }, [rows]);
  const toggle = useCallback(
    (id: string, shiftKey: boolean) => {
      setSelection((current) => {
        const ids = new Set(current.key === paramsKey ? current.ids : []);
        const on = !ids.has(id);
        // Shift-click selects the range from the previous click, as in a file manager.
        const from = shiftKey && anchor.current ? rowsRef.current.findIndex((r) => r.id === anchor.current) : -1;
        const to = rowsRef.current.findIndex((r) => r.id === id);
        if (from >= 0 && to >= 0) {
          for (const row of rowsRef.current.slice(Math.min(from, to), Math.max(from, to) + 1)) {
            if (on) ids.add(row.id);
            else ids.delete(row.id);
          }
        } else if (on) ids.add(id);
        else ids.delete(id);
        anchor.current = id;
        return { key: paramsKey, ids };
      });
    },
    [paramsKey],
  );
  const toggleAll = () =>
    setSelection({ key: paramsKey, ids: rows.length > 0 && rows.every((r) => selected.has(r.id)) ? new Set() : new Set(rows.map((r) => r.id)) });
  const clearSelection = () => setSelection({ key: paramsKey, ids: new Set() });

  const [action, setAction] = useState<BulkAction>();
  const [outcome, setOutcome] = useState<BulkOutcome>();
  const results = useMemo(() => new Map<string, BulkResult>((outcome?.results ?? []).map((r) => [r.id, r])), [outcome]);
  const [creating, setCreating] = useState(false);

  const finishBulk = async (bulkResults: BulkResult[], description: string) => {
    const names = new Map(rows.filter((r) => selected.has(r.id)).map((r) => [r.id, config.name(r) || "(no name)"]));
    setOutcome({ description, results: bulkResults, names });
    setAction(undefined);
    // Keep the failures selected so they can be retried or looked at.
    setSelection({ key: paramsKey, ids: new Set(bulkResults.filter((r) => !r.ok).map((r) => r.id)) });
    await queryClient.invalidateQueries({ queryKey: recordsKey(object) });
  };

  const savedViews = useQuery(savedViewsQueryOptions(config.objectType));
  const currentView = savedViews.data?.items.find((v) => v.id === state.view);
  const modified = currentView !== undefined && !sameList(fromView(currentView), state);
  const view = { columns: visibleKeys, filters: toViewFilters(state), sort: state.sort };
  const exportColumns = columns.map((c) => c.export).filter((name): name is string => name !== undefined);
  const filterError = isApiError(list.error) && list.error.status === 400 ? errorMessage(list.error) : undefined;
  const filtered = state.filters.length > 0 || state.q !== "";

  const onSort = (column: Column) => {
    if (!column.sort) return;
    const next =
      state.sort === column.sort ? `-${column.sort}` : state.sort === `-${column.sort}` ? column.sort : column.descendingFirst ? `-${column.sort}` : column.sort;
    setState({ sort: next });
  };

  return (
    <div className="flex flex-col gap-4">
      <title>{`${TITLES[object]} · CliniGlobal CRM`}</title>
      <PageHeader
        title={TITLES[object]}
        description={<span data-testid="record-total">{list.isPending ? "Loading…" : formatTotal(total, config.singular, config.plural) || `${rows.length} ${config.plural}`}</span>}
        actions={
          can(me, permissions.create) && (
            <Button onClick={() => setCreating(true)}>New {config.singular}</Button>
          )
        }
      />

      <div className="flex flex-col gap-2">
        <div className="flex flex-wrap items-center gap-2">
          <SavedViewsMenu
            objectType={config.objectType}
            plural={config.plural}
            currentViewId={state.view}
            modified={modified}
            canCreate={can(me, "saved_views:create")}
            content={view}
            onApply={(saved) => onSearchChange(searchFromState(saved ? fromView(saved) : emptyState))}
          />
          <SearchBox value={state.q} onChange={(q) => setState({ q })} placeholder={`Search ${config.plural}…`} />
          <FilterBuilder
            fields={filterFields}
            options={filterOptions}
            activeCount={state.filters.length}
            onAdd={(filter) => setState({ filters: [...state.filters, filter] })}
          />
          <div className="flex items-center gap-2 sm:ml-auto">
            <ColumnChooser columns={allColumns} visible={visibleKeys} onChange={(keys) => setState({ columns: keys })} onReset={() => setState({ columns: undefined })} />
            {EXPORT_PATHS[object] && can(me, permissions.export) && <ExportButton object={object} params={params} columns={exportColumns} />}
          </div>
        </div>
        <FilterChips
          filters={state.filters}
          fields={filterFields}
          options={filterOptions}
          error={filterError}
          onRemove={(index) => setState({ filters: state.filters.filter((_, i) => i !== index) })}
          onClear={() => setState({ filters: [] })}
        />
      </div>

      {selected.size > 0 && (
        <BulkBar
          object={object}
          count={selected.size}
          canUpdate={can(me, permissions.update)}
          canDelete={can(me, permissions.delete)}
          onAction={setAction}
          onClear={clearSelection}
        />
      )}
      {outcome && <BulkResults outcome={outcome} onDismiss={() => setOutcome(undefined)} />}

      {list.isPending ? (
        <LoadingState label={`Loading ${config.plural}…`} />
      ) : list.isError && rows.length === 0 ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} title={filterError ? "These filters don’t work" : `Couldn’t load ${config.plural}`} />
      ) : rows.length === 0 ? (
        <div className="rounded-lg border border-border bg-surface shadow-card" data-testid="record-list">
          {filtered ? (
            <EmptyState
              title={`No ${config.plural} match`}
              action={
                <Button variant="secondary" size="sm" onClick={() => setState({ q: "", filters: [] })}>
                  Clear search and filters
                </Button>
              }
            >
              Try fewer filters or another search.
            </EmptyState>
          ) : (
            <EmptyState
              title={`No ${config.plural} yet`}
              action={can(me, permissions.create) && <Button size="sm" onClick={() => setCreating(true)}>New {config.singular}</Button>}
            >
              {`Create one here, or import a CSV file.`}
            </EmptyState>
          )}
        </div>
      ) : (
        <RecordTable
          config={config}
          rows={rows}
          rowCount={total?.value ?? rows.length}
          columns={columns}
          context={lookups.context}
          sort={state.sort}
          onSort={onSort}
          selected={selected}
          onToggle={toggle}
          onToggleAll={toggleAll}
          results={results}
          hasNextPage={list.hasNextPage}
          isFetchingNextPage={list.isFetchingNextPage}
          fetchNextPage={() => void list.fetchNextPage()}
        />
      )}

      <BulkActionDialog
        object={object}
        action={action === "delete" ? undefined : action}
        ids={[...selected]}
        members={lookups.members}
        stages={lookups.stages}
        onClose={() => setAction(undefined)}
        onDone={(bulkResults, description) => void finishBulk(bulkResults, description)}
      />
      <ConfirmDialog
        open={action === "delete"}
        onOpenChange={(open) => !open && setAction(undefined)}
        title={`Delete ${selected.size} ${selected.size === 1 ? config.singular : config.plural}?`}
        description="They move to the trash and can be restored."
        confirmLabel="Delete"
        destructive
        onConfirm={async () => {
          const bulkResults = await bulkDelete(object, [...selected]);
          await finishBulk(bulkResults, "Deleted");
        }}
      />
      <CreateRecordDialog
        object={object}
        open={creating}
        onOpenChange={setCreating}
        members={lookups.members}
        definitions={definitions.data?.items ?? []}
        onCreated={() => void queryClient.invalidateQueries({ queryKey: recordsKey(object) })}
      />
    </div>
  );
}
