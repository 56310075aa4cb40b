import { zodResolver } from "@hookform/resolvers/zod";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { Button } from "@/components/ui/Button";
import { Spinner } from "@/components/ui/Spinner";
import { TextField } from "@/components/ui/TextField";
import { api, unwrap } from "@/lib/api/client";
import { errorMessage } from "@/lib/forms/apiErrors";

const STORAGE_KEY = "crm.sso.organization";

const orgSchema = z.object({
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .min(1, "Enter your organisation's sign-in name.")
    .max(63, "Use at most 63 characters.")
    .regex(/^[a-z0-9][a-z0-9-]*$/, "Use the short name from your sign-in link: letters, digits and dashes."),
});
type OrgValues = z.infer<typeof orgSchema>;

function remembered(): string {
  try {
    return localStorage.getItem(STORAGE_KEY) ?? "";
  } catch {
    return "";
  }
}

/**
 * Single sign-on: the organisation's identity providers (its public list), each a link that
 * starts the provider's redirect flow. The organisation comes from `?org=`, or is asked once and
 * remembered on this device.
 */
export function SsoSignIn({ organization, loginHint }: { organization?: string | undefined; loginHint?: string | undefined }) {
  const [slug, setSlug] = useState(() => organization ?? remembered());
  const [asking, setAsking] = useState(false);
  const providers = useQuery({
    queryKey: ["auth", "sso-providers", slug],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/auth/oidc/{organization_slug}/providers", { signal, params: { path: { organization_slug: slug } } })),
    enabled: slug !== "",
    staleTime: 5 * 60_000,
  });
  const form = useForm<OrgValues>({ resolver: zodResolver(orgSchema), defaultValues: { slug } });
  const submit = form.handleSubmit(({ slug: chosen }) => {
    setSlug(chosen);
    setAsking(false);
    try {
      localStorage.setItem(STORAGE_KEY, chosen);
    } catch {
      // Private mode: just not remembered.
    }
  });

  if (asking) {
    return (
      <form noValidate onSubmit={(event) => void submit(event)} className="flex flex-col gap-3">
        <TextField
          label="Organisation sign-in name"
          hint="The short name in your organisation's CliniGlobal sign-in link."
          autoCapitalize="none"
          spellCheck={false}
          autoFocus
          error={form.formState.errors.slug?.message}
          {...form.register("slug")}
        />
        <div className="flex gap-2">
          <Button type="submit" variant="secondary">
            Find sign-in options
          </Button>
          <Button type="button" variant="ghost" onClick={() => setAsking(false)}>
            Cancel
          </Button>
        </div>
      </form>
    );
  }

  const items = providers.data?.items ?? [];
  return (
    <div className="flex flex-col gap-2">
      {providers.isFetching && <Spinner label="Looking up single sign-on" />}
      {providers.isError && <p className="text-sm text-danger">{errorMessage(providers.error)}</p>}
      {items.map((provider) => {
        const url = new URL(provider.start_url, location.origin);
        if (loginHint) url.searchParams.set("login_hint", loginHint);
        return (
          <Button key={provider.id} asChild variant="secondary" className="w-full">
            <a href={url.toString()} data-sso-provider={provider.kind}>
              Continue with {provider.name}
            </a>
          </Button>
        );
      })}
      {slug !== "" && providers.data && items.length === 0 && (
        <p className="text-center text-sm text-fg-muted">“{slug}” has no single sign-on set up.</p>
      )}
      <button
        type="button"
        onClick={() => {
          form.reset({ slug });
          setAsking(true);
        }}
        className="cursor-pointer self-center rounded text-sm font-medium text-accent hover:underline"
      >
        {slug === "" ? "Use single sign-on (SSO)" : "Use another organisation's SSO"}
      </button>
    </div>
  );
}
