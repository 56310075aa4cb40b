import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { components } from "@/client/schema";
import { Badge } from "@/components/ui/Badge";
import { Field } from "@/components/ui/Field";
import { Section } from "@/components/ui/Section";
import { Select } from "@/components/ui/Select";
import { EmptyState, ErrorState, LoadingState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { ROLES, roleLabel, type RoleName } from "@/lib/auth/roles";
import { errorMessage } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { flagsQueryOptions } from "./queries";

type Flag = components["schemas"]["FlagRead"];
type Choice = "inherit" | "on" | "off";

const onOff = (value: boolean) => (value ? "On" : "Off");

/** The override a select shows: for the whole organisation (role null) or one role. */
export function overrideChoice(flag: Pick<Flag, "overrides">, role: RoleName | null): Choice {
  const override = flag.overrides.find((o) => (o.role ?? null) === role);
  return override ? (override.enabled ? "on" : "off") : "inherit";
}

export function FlagsPage() {
  const flags = useQuery(flagsQueryOptions());
  return (
    <>
      <title>Feature flags · Settings · CliniGlobal CRM</title>
      <Section
        title="Feature flags"
        description="Turn features on or off for the whole organisation, or for one role. A role's setting wins over the organisation's; the server enforces both."
        flush
      >
        {flags.isPending && <LoadingState label="Loading feature flags…" />}
        {flags.isError && (
          <div className="p-4">
            <ErrorState error={flags.error} onRetry={() => void flags.refetch()} />
          </div>
        )}
        {flags.data?.items.length === 0 && <EmptyState title="No feature flags" />}
        {flags.data && flags.data.items.length > 0 && (
          <ul className="divide-y divide-border">
            {flags.data.items.map((flag) => (
              <FlagRow key={flag.key} flag={flag} />
            ))}
          </ul>
        )}
      </Section>
    </>
  );
}

function FlagRow({ flag }: { flag: Flag }) {
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: ({ role, choice }: { role: RoleName | null; choice: Choice }) =>
      choice === "inherit"
        ? unwrap(api.DELETE("/api/v1/flags/{key}", { params: { path: { key: flag.key }, query: role ? { role } : {} } }))
        : unwrap(api.PUT("/api/v1/flags/{key}", { params: { path: { key: flag.key } }, body: { enabled: choice === "on", role } })),
    onSuccess: (updated) => {
      queryClient.setQueryData(flagsQueryOptions().queryKey, (list) =>
        list ? { items: list.items.map((item) => (item.key === updated.key ? updated : item)) } : list,
      );
      toast(`${flag.key} saved.`);
    },
  });
  const errorId = `flag-error-${flag.key}`;

  const select = (role: RoleName | null, inheritLabel: string) => (
    <Field key={role ?? "org"} label={role ? roleLabel(role) : "Everyone"}>
      {(control) => (
        <Select
          {...control}
          size="sm"
          className="w-full"
          value={overrideChoice(flag, role)}
          disabled={change.isPending}
          aria-describedby={change.isError ? errorId : undefined}
          onChange={(event) => change.mutate({ role, choice: event.target.value as Choice })}
          data-flag={`${flag.key}:${role ?? "org"}`}
        >
          <option value="inherit">{inheritLabel}</option>
          <option value="on">On</option>
          <option value="off">Off</option>
        </Select>
      )}
    </Field>
  );

  return (
    <li className="flex flex-col gap-3 px-4 py-4 sm:px-5" data-flag-row={flag.key}>
      <div className="flex flex-wrap items-center gap-2">
        <code className="font-mono text-sm font-semibold text-fg">{flag.key}</code>
        <Badge tone={flag.enabled ? "success" : "neutral"} dot>
          {flag.enabled ? "On" : "Off"} for the organisation
        </Badge>
        <span className="text-xs text-fg-subtle">default {onOff(flag.default).toLowerCase()}</span>
      </div>
      <p className="text-sm text-fg-muted">{flag.description}</p>
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-5">
        {select(null, `Default (${onOff(flag.default)})`)}
        {ROLES.map((role) => select(role, `As everyone (${onOff(flag.enabled)})`))}
      </div>
      {change.isError && (
        <p id={errorId} role="alert" className="text-xs font-medium text-danger">
          {errorMessage(change.error)}
        </p>
      )}
    </li>
  );
}
