import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { components } from "@/client/schema";
import { Alert } from "@/components/ui/Alert";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Section } from "@/components/ui/Section";
import { Select } from "@/components/ui/Select";
import { Spinner } from "@/components/ui/Spinner";
import { ErrorState, LoadingState } from "@/components/ui/States";
import { Tabs } from "@/components/ui/Tabs";
import { api, unwrap } from "@/lib/api/client";
import { can, meQueryKey, meQueryOptions } from "@/lib/auth/me";
import { ROLES, roleLabel, type RoleName } from "@/lib/auth/roles";
import { cn } from "@/lib/cn";
import { errorMessage } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { ACTION_ORDER, actionLabel, resourceLabel, scopeDescriptions, scopeLabel } from "./permissionLabels";
import { rolesQueryOptions } from "./queries";

type RoleMatrix = components["schemas"]["RoleMatrix"];
type Cells = Record<string, string>;

/** The columns of the matrix: the known actions in a fixed order, then any new ones. */
export function matrixActions(matrix: Pick<RoleMatrix, "resources">): string[] {
  const all = new Set(Object.values(matrix.resources).flat());
  return [...ACTION_ORDER.filter((a) => all.has(a)), ...[...all].filter((a) => !ACTION_ORDER.includes(a)).sort()];
}

export function RolesPage() {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const matrix = useQuery(rolesQueryOptions());
  const [role, setRole] = useState<RoleName>("sales");
  const [drafts, setDrafts] = useState<Partial<Record<RoleName, Cells>>>({});
  const [confirmReset, setConfirmReset] = useState(false);
  const queryClient = useQueryClient();
  const editable = can(me, "roles:update") && role !== "admin";

  const save = useMutation({
    mutationFn: (input: { role: RoleName; cells: Cells }) =>
      unwrap(api.PUT("/api/v1/roles/{role}", { params: { path: { role: input.role } }, body: { cells: input.cells } })),
    onSuccess: (updated, input) => {
      queryClient.setQueryData(rolesQueryOptions().queryKey, updated);
      setDrafts((all) => ({ ...all, [input.role]: {} }));
      // The viewer's own permissions may have changed with the matrix.
      void queryClient.invalidateQueries({ queryKey: meQueryKey });
    },
  });

  if (matrix.isPending) return <LoadingState label="Loading the permission matrix…" />;
  if (matrix.isError) return <ErrorState error={matrix.error} onRetry={() => void matrix.refetch()} />;

  const data = matrix.data;
  const draft = drafts[role] ?? {};
  const saved = data.roles[role] ?? {};
  const defaults = data.defaults[role] ?? {};
  const changes = Object.keys(draft).filter((cell) => draft[cell] !== saved[cell]);
  const customised = Object.keys(saved).filter((cell) => saved[cell] !== defaults[cell]).length;
  const actions = matrixActions(data);

  const setCell = (cell: string, scope: string) =>
    setDrafts((all) => ({ ...all, [role]: { ...(all[role] ?? {}), [cell]: scope } }));

  const submit = (cells: Cells, message: string) =>
    save.mutateAsync({ role, cells }).then(() => toast(message));

  return (
    <>
      <title>Roles & permissions · Settings · CliniGlobal CRM</title>
      <Section
        title="Roles & permissions"
        description="What each role may do, and on which records: all, their team's, or their own. Changes apply within 15 minutes."
        flush
      >
        <Tabs
          label="Role"
          idBase="roles"
          value={role}
          onChange={setRole}
          tabs={ROLES.map((value) => {
            const pending = Object.keys(drafts[value] ?? {}).filter((cell) => drafts[value]?.[cell] !== data.roles[value]?.[cell]).length;
            return { value, label: roleLabel(value), badge: pending > 0 ? `${pending}` : undefined };
          })}
        />
        <div id="roles-panel" role="tabpanel" aria-labelledby={`roles-tab-${role}`} className="flex flex-col gap-4 py-4">
          <div className="flex flex-col gap-3 px-4 sm:flex-row sm:items-center sm:justify-between sm:px-5">
            <p className="text-sm text-fg-muted">
              {role === "admin"
                ? "Admins may do everything. The admin role cannot be changed, so an organisation can never lock itself out."
                : customised > 0
                  ? `${customised} ${customised === 1 ? "permission differs" : "permissions differ"} from the defaults for ${roleLabel(role)}.`
                  : `${roleLabel(role)} uses the default permissions.`}
            </p>
            {editable && customised > 0 && (
              <Button variant="secondary" size="sm" onClick={() => setConfirmReset(true)}>
                Reset to defaults
              </Button>
            )}
          </div>

          <div className="overflow-x-auto">
            <table className="w-full border-collapse text-sm">
              <caption className="sr-only">Permissions of the {roleLabel(role)} role</caption>
              <thead>
                <tr className="border-y border-border bg-surface-muted text-left text-xs font-medium text-fg-subtle">
                  <th scope="col" className="px-4 py-2 sm:px-5">
                    Resource
                  </th>
                  {actions.map((action) => (
                    <th key={action} scope="col" className="px-2 py-2">
                      {actionLabel(action)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className="divide-y divide-border">
                {Object.entries(data.resources).map(([resource, allowed]) => (
                  <tr key={resource}>
                    <th scope="row" className="px-4 py-2 text-left font-medium whitespace-nowrap text-fg sm:px-5">
                      {resourceLabel(resource)}
                    </th>
                    {actions.map((action) => {
                      const cell = `${resource}:${action}`;
                      if (!allowed.includes(action)) {
                        return (
                          <td key={action} className="px-2 py-2 text-fg-subtle">
                            <span aria-label="Not applicable">—</span>
                          </td>
                        );
                      }
                      const value = draft[cell] ?? saved[cell] ?? "none";
                      const isDefault = value === defaults[cell];
                      const changed = draft[cell] !== undefined && draft[cell] !== saved[cell];
                      return (
                        <td key={action} className="px-2 py-1.5">
                          <Select
                            size="sm"
                            aria-label={`${roleLabel(role)}: ${actionLabel(action)} ${resourceLabel(resource)} (default ${scopeLabel(defaults[cell] ?? "none")})`}
                            title={`Default: ${scopeLabel(defaults[cell] ?? "none")}`}
                            value={value}
                            disabled={!editable || save.isPending}
                            onChange={(event) => setCell(cell, event.target.value)}
                            data-cell={cell}
                            className={cn(
                              "w-22",
                              value === "none" && "text-fg-subtle",
                              !isDefault && "border-accent font-medium",
                              changed && "ring-2 ring-accent/30",
                            )}
                          >
                            {data.scopes.map((scope) => (
                              <option key={scope} value={scope}>
                                {scopeLabel(scope)}
                              </option>
                            ))}
                          </Select>
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>

          <p className="px-4 text-xs text-fg-subtle sm:px-5">
            {data.scopes
              .filter((scope) => scopeDescriptions[scope])
              .map((scope) => `${scopeLabel(scope)}: ${scopeDescriptions[scope] ?? ""}`)
              .join(" · ")}
            . Outlined cells differ from the default.
          </p>

          {editable && (
            <div className="flex flex-col gap-2 px-4 sm:flex-row sm:items-center sm:justify-end sm:px-5">
              {save.isError && (
                <Alert tone="danger" className="sm:mr-auto">
                  {errorMessage(save.error)}
                </Alert>
              )}
              <span className="text-sm text-fg-muted" aria-live="polite">
                {changes.length > 0 ? `${changes.length} unsaved ${changes.length === 1 ? "change" : "changes"}` : "No unsaved changes"}
              </span>
              <Button
                variant="secondary"
                disabled={changes.length === 0 || save.isPending}
                onClick={() => setDrafts((all) => ({ ...all, [role]: {} }))}
              >
                Discard
              </Button>
              <Button
                disabled={changes.length === 0 || save.isPending}
                aria-busy={save.isPending}
                onClick={() =>
                  void submit(Object.fromEntries(changes.map((cell) => [cell, draft[cell] ?? "none"])), `${roleLabel(role)} permissions saved.`).catch(() => undefined)
                }
              >
                {save.isPending && <Spinner decorative />}
                Save changes
              </Button>
            </div>
          )}
        </div>
      </Section>

      <ConfirmDialog
        open={confirmReset}
        onOpenChange={setConfirmReset}
        title={`Reset ${roleLabel(role)} to the defaults?`}
        description={`Every customised permission of the ${roleLabel(role)} role returns to its built-in default.`}
        confirmLabel="Reset to defaults"
        destructive
        onConfirm={() => submit({ ...defaults }, `${roleLabel(role)} permissions reset to the defaults.`)}
      />
    </>
  );
}
