import { zodResolver } from "@hookform/resolvers/zod";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useForm, useWatch } from "react-hook-form";
import { z } from "zod";
import type { components } from "@/client/schema";
import { Alert } from "@/components/ui/Alert";
import { Checkbox } from "@/components/ui/Checkbox";
import { FormError } from "@/components/ui/FormError";
import { Section } from "@/components/ui/Section";
import { ErrorState, LoadingState } from "@/components/ui/States";
import { SubmitButton } from "@/components/ui/SubmitButton";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import { meQueryKey } from "@/lib/auth/me";
import { ROLES, roleLabel, type RoleName } from "@/lib/auth/roles";
import { applyApiError } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { organizationQueryOptions } from "@/modules/account/accountQueries";
import { membersQueryOptions } from "./queries";

type Organization = components["schemas"]["OrganizationOut"];

export function OrganizationSecurityPage() {
  const organization = useQuery(organizationQueryOptions());
  if (organization.isPending) return <LoadingState label="Loading the organisation…" />;
  if (organization.isError) return <ErrorState error={organization.error} onRetry={() => void organization.refetch()} />;
  return (
    <>
      <title>Organisation security · Settings · CliniGlobal CRM</title>
      <NameForm organization={organization.data} />
      <MfaPolicyForm organization={organization.data} />
    </>
  );
}

const nameSchema = z.object({ name: z.string().trim().min(1, "Name the organisation.").max(200, "Use at most 200 characters.") });
type NameValues = z.infer<typeof nameSchema>;

function NameForm({ organization }: { organization: Organization }) {
  const queryClient = useQueryClient();
  const form = useForm<NameValues>({ resolver: zodResolver(nameSchema), values: { name: organization.name } });
  const { errors, isSubmitting } = form.formState;
  const submit = form.handleSubmit(async ({ name }) => {
    try {
      const updated = await unwrap(api.PATCH("/api/v1/organization", { body: { name } }));
      queryClient.setQueryData(organizationQueryOptions().queryKey, updated);
      await queryClient.invalidateQueries({ queryKey: meQueryKey });
      toast("The organisation was renamed.");
    } catch (error) {
      applyApiError(error, form.setError, {}, ["name"]);
    }
  });
  return (
    <Section title="Organisation" description={`Its short name (slug) is ${organization.slug}.`}>
      <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-3 sm:flex-row sm:items-start">
        <TextField label="Name" autoComplete="organization" fieldClassName="sm:flex-1" error={errors.name?.message} {...form.register("name")} />
        <SubmitButton pending={isSubmitting} className="sm:mt-6.5">
          Save name
        </SubmitButton>
      </form>
      <FormError message={errors.root?.server?.message} />
    </Section>
  );
}

type PolicyValues = { roles: RoleName[] };

function MfaPolicyForm({ organization }: { organization: Organization }) {
  const queryClient = useQueryClient();
  const members = useQuery(membersQueryOptions());
  const form = useForm<PolicyValues>({ values: { roles: organization.mfa_required_roles } });
  const { errors, isSubmitting } = form.formState;
  const chosen = useWatch({ control: form.control, name: "roles" });
  const everyone = ROLES.every((role) => chosen.includes(role));
  const withoutMfa = (members.data?.items ?? []).filter((m) => chosen.includes(m.role) && !m.mfa_enabled);

  const submit = form.handleSubmit(async ({ roles }) => {
    try {
      const updated = await unwrap(api.PATCH("/api/v1/organization", { body: { mfa_required_roles: roles } }));
      queryClient.setQueryData(organizationQueryOptions().queryKey, updated);
      toast("The MFA policy was saved.");
    } catch (error) {
      applyApiError(error, form.setError, {}, []);
    }
  });

  return (
    <Section
      title="Require two-step verification"
      description="People in these roles must use MFA. Those who haven't set it up are asked to at their next sign-in, before they can do anything else."
    >
      <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-4">
        <FormError message={errors.root?.server?.message} />
        <fieldset className="flex flex-col gap-3">
          <legend className="sr-only">Roles that must use MFA</legend>
          <Checkbox
            label="Everyone"
            description="All four roles."
            checked={everyone}
            onChange={(event) => form.setValue("roles", event.target.checked ? [...ROLES] : [], { shouldDirty: true })}
          />
          <div className="ml-6 grid gap-3 sm:grid-cols-2">
            {ROLES.map((role) => (
              <Checkbox key={role} label={roleLabel(role)} value={role} {...form.register("roles")} />
            ))}
          </div>
        </fieldset>
        {withoutMfa.length > 0 && (
          <Alert tone="warning">
            {withoutMfa.length === 1 ? "1 member" : `${withoutMfa.length} members`} in these roles {withoutMfa.length === 1 ? "has" : "have"} no MFA
            yet: {withoutMfa.map((m) => m.full_name).join(", ")}.
          </Alert>
        )}
        <SubmitButton pending={isSubmitting} className="self-start">
          Save policy
        </SubmitButton>
      </form>
    </Section>
  );
}
