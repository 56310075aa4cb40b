import { zodResolver } from "@hookform/resolvers/zod";
import { useInfiniteQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import type { components } from "@/client/schema";
import { Alert } from "@/components/ui/Alert";
import { Badge, type BadgeTone } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { CopyButton } from "@/components/ui/CopyButton";
import { Dialog } from "@/components/ui/Dialog";
import { FormError } from "@/components/ui/FormError";
import { Section } from "@/components/ui/Section";
import { Select } from "@/components/ui/Select";
import { Spinner } from "@/components/ui/Spinner";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/States";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import { can, meQueryOptions, type Me } from "@/lib/auth/me";
import { formatDate, formatRelative } from "@/lib/format";
import { applyApiError } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { actionLabel, resourceLabel, scopeLabel } from "./permissionLabels";
import { apiKeysQueryOptions } from "./queries";

type ApiKey = components["schemas"]["ApiKeyRead"];
type Grant = components["schemas"]["PermissionGrant"];
type GrantScope = NonNullable<Grant["scope"]>;

const SCOPES: GrantScope[] = ["own", "team", "all"];
const statusTone: Record<ApiKey["status"], BadgeTone> = { active: "success", expired: "warning", revoked: "neutral" };

/** The cells a key may get: those the user holds, each up to the user's own scope. */
export function grantableCells(me: Pick<Me, "permissions">): Array<{ cell: string; resource: string; action: string; scopes: GrantScope[] }> {
  return Object.entries(me.permissions)
    .filter(([, scope]) => SCOPES.includes(scope as GrantScope))
    .map(([cell, scope]) => {
      const [resource = "", action = ""] = cell.split(":");
      return { cell, resource, action, scopes: SCOPES.slice(0, SCOPES.indexOf(scope as GrantScope) + 1) };
    })
    .sort((a, b) => a.cell.localeCompare(b.cell));
}

export function ApiKeysPage() {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const keys = useInfiniteQuery(apiKeysQueryOptions());
  const queryClient = useQueryClient();
  const [creating, setCreating] = useState(false);
  const [token, setToken] = useState<string>();
  const [revoking, setRevoking] = useState<ApiKey>();
  const items = keys.data?.pages.flatMap((page) => page.items) ?? [];
  const refresh = () => queryClient.invalidateQueries({ queryKey: apiKeysQueryOptions().queryKey });

  return (
    <>
      <title>API keys · Settings · CliniGlobal CRM</title>
      <Section
        title="API keys"
        description="Keys let integrations call the API with only the permissions you choose. A key is shown once, when it is created."
        actions={
          can(me, "api_keys:create") && (
            <Button size="sm" onClick={() => setCreating(true)}>
              New API key
            </Button>
          )
        }
        flush
      >
        {keys.isPending && <LoadingState label="Loading API keys…" />}
        {keys.isError && (
          <div className="p-4">
            <ErrorState error={keys.error} onRetry={() => void keys.refetch()} />
          </div>
        )}
        {keys.data && items.length === 0 && <EmptyState title="No API keys yet">Create one for each integration, so each can be revoked alone.</EmptyState>}
        {items.length > 0 && (
          <ul className="divide-y divide-border">
            {items.map((key) => (
              <li key={key.id} className="flex flex-col gap-2 px-4 py-3 sm:flex-row sm:items-center sm:px-5" data-api-key={key.name}>
                <div className="min-w-0 flex-1">
                  <p className="flex flex-wrap items-center gap-2">
                    <span className="font-medium text-fg">{key.name}</span>
                    <code className="rounded bg-surface-muted px-1.5 font-mono text-xs text-fg-muted">{key.prefix}…</code>
                    <Badge tone={statusTone[key.status]}>{key.status}</Badge>
                  </p>
                  <p className="mt-0.5 text-xs text-fg-subtle">
                    {key.permissions.length} {key.permissions.length === 1 ? "permission" : "permissions"}:{" "}
                    {key.permissions
                      .slice(0, 3)
                      .map((g) => `${resourceLabel(g.resource)} ${g.action} (${scopeLabel(g.scope)})`)
                      .join(", ")}
                    {key.permissions.length > 3 ? `, +${key.permissions.length - 3} more` : ""}
                  </p>
                  <p className="text-xs text-fg-subtle">
                    Created {formatRelative(key.created_at)} · {key.last_used_at ? `last used ${formatRelative(key.last_used_at)}` : "never used"}
                    {key.expires_at ? ` · expires ${formatDate(key.expires_at)}` : ""}
                  </p>
                </div>
                {key.status === "active" && can(me, "api_keys:delete") && (
                  <Button variant="secondary" size="sm" className="self-start sm:self-center" onClick={() => setRevoking(key)}>
                    Revoke<span className="sr-only"> {key.name}</span>
                  </Button>
                )}
              </li>
            ))}
          </ul>
        )}
        {keys.hasNextPage && (
          <div className="border-t border-border px-4 py-3 text-center sm:px-5">
            <Button variant="secondary" size="sm" onClick={() => void keys.fetchNextPage()} disabled={keys.isFetchingNextPage}>
              {keys.isFetchingNextPage && <Spinner decorative />}
              Load more
            </Button>
          </div>
        )}
      </Section>

      <Dialog open={creating} onOpenChange={setCreating} title="New API key" className="max-w-xl">
        {creating && (
          <CreateKeyForm
            me={me}
            onCancel={() => setCreating(false)}
            onCreated={async (created) => {
              setCreating(false);
              setToken(created);
              await refresh();
            }}
          />
        )}
      </Dialog>

      <Dialog open={token !== undefined} onOpenChange={(open) => !open && setToken(undefined)} title="Copy your new API key">
        <Alert tone="warning">This is the only time the key is shown. Store it in your integration's secret store now.</Alert>
        <code className="block rounded-md border border-border bg-surface-muted p-3 font-mono text-sm break-all text-fg" data-api-key-token>
          {token}
        </code>
        <div className="flex justify-end gap-2">
          {token && <CopyButton value={token} label="Copy key" />}
          <Button onClick={() => setToken(undefined)}>Done</Button>
        </div>
      </Dialog>

      <ConfirmDialog
        open={revoking !== undefined}
        onOpenChange={(open) => !open && setRevoking(undefined)}
        title={`Revoke ${revoking?.name ?? "this key"}?`}
        description="Requests made with it are refused from now on. This cannot be undone."
        confirmLabel="Revoke key"
        destructive
        onConfirm={async () => {
          if (!revoking) return;
          await unwrap(api.DELETE("/api/v1/api-keys/{key_id}", { params: { path: { key_id: revoking.id } } }));
          toast(`${revoking.name} was revoked.`);
          await refresh();
        }}
      />
    </>
  );
}

const keySchema = z.object({
  name: z.string().trim().min(1, "Name the key after the integration that uses it.").max(120, "Use at most 120 characters."),
  expires_on: z.string(),
});
type KeyValues = z.infer<typeof keySchema>;

function CreateKeyForm({ me, onCancel, onCreated }: { me: Me; onCancel: () => void; onCreated: (token: string) => Promise<void> }) {
  const cells = grantableCells(me);
  const [grants, setGrants] = useState<Record<string, GrantScope | undefined>>({});
  const [grantError, setGrantError] = useState<string>();
  const form = useForm<KeyValues>({ resolver: zodResolver(keySchema), defaultValues: { name: "", expires_on: "" } });
  const { errors, isSubmitting } = form.formState;
  const chosen = Object.entries(grants).filter((entry): entry is [string, GrantScope] => entry[1] !== undefined);

  const submit = form.handleSubmit(async ({ name, expires_on }) => {
    if (chosen.length === 0) {
      setGrantError("Choose at least one permission.");
      return;
    }
    setGrantError(undefined);
    const permissions: Grant[] = chosen.map(([cell, scope]) => {
      const [resource = "", action = ""] = cell.split(":");
      return { resource, action: action as Grant["action"], scope };
    });
    try {
      const created = await unwrap(
        api.POST("/api/v1/api-keys", {
          body: { name, permissions, expires_at: expires_on ? new Date(`${expires_on}T23:59:59Z`).toISOString() : null },
        }),
      );
      await onCreated(created.token);
    } catch (error) {
      applyApiError(error, form.setError, {}, ["name"]);
    }
  });

  return (
    <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
      <FormError message={errors.root?.server?.message} />
      <TextField label="Name" placeholder="e.g. Website forms" autoFocus error={errors.name?.message} {...form.register("name")} />
      <TextField label="Expires on" type="date" hint="Leave empty for a key that never expires." {...form.register("expires_on")} />
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1.5 text-sm font-medium text-fg">Permissions ({chosen.length} chosen)</legend>
        <div className="max-h-72 overflow-y-auto rounded-md border border-border">
          <ul className="divide-y divide-border">
            {cells.map(({ cell, resource, action, scopes }) => {
              const scope = grants[cell];
              return (
                <li key={cell} className="flex items-center gap-3 px-3 py-1.5">
                  <label className="flex min-w-0 flex-1 cursor-pointer items-center gap-2.5 text-sm">
                    <input
                      type="checkbox"
                      className="size-4 accent-accent"
                      checked={scope !== undefined}
                      onChange={(event) => setGrants((all) => ({ ...all, [cell]: event.target.checked ? scopes[scopes.length - 1] : undefined }))}
                    />
                    <span className="truncate">
                      {resourceLabel(resource)}: {actionLabel(action).toLowerCase()}
                    </span>
                  </label>
                  {scope !== undefined && scopes.length > 1 && (
                    <Select
                      size="sm"
                      className="w-24"
                      aria-label={`Scope of ${resourceLabel(resource)} ${action}`}
                      value={scope}
                      onChange={(event) => setGrants((all) => ({ ...all, [cell]: event.target.value as GrantScope }))}
                    >
                      {scopes.map((s) => (
                        <option key={s} value={s}>
                          {scopeLabel(s)}
                        </option>
                      ))}
                    </Select>
                  )}
                </li>
              );
            })}
          </ul>
        </div>
        {grantError && (
          <p role="alert" className="text-xs font-medium text-danger">
            {grantError}
          </p>
        )}
      </fieldset>
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <SubmitButton pending={isSubmitting} className="">
          Create key
        </SubmitButton>
      </div>
    </form>
  );
}
