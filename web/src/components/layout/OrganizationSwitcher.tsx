import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { MenuContent, MenuLabel, MenuRadioGroup, MenuRadioItem, MenuRoot, MenuTrigger } from "@/components/ui/Menu";
import { Spinner } from "@/components/ui/Spinner";
import { auth } from "@/lib/auth/auth";
import type { Me } from "@/lib/auth/me";
import { errorMessage } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { roleLabel } from "@/lib/auth/roles";

/** Switches between the organisations the user belongs to, without signing in again. */
export function OrganizationSwitcher({ me }: { me: Me }) {
  const navigate = useNavigate();
  const [switching, setSwitching] = useState(false);

  const switchTo = async (organizationId: string) => {
    if (organizationId === me.organization_id) return;
    const target = me.organizations.find((org) => org.id === organizationId);
    setSwitching(true);
    try {
      await auth.switchOrganization(organizationId);
      await navigate({ to: "/" });
      toast(`Switched to ${target?.name ?? "the organisation"}.`);
    } catch (error) {
      toast(`Couldn't switch organisation: ${errorMessage(error)}`, "danger");
    } finally {
      setSwitching(false);
    }
  };

  return (
    <MenuRoot modal={false}>
      <MenuTrigger
        className="flex h-9 min-w-0 max-w-40 cursor-pointer items-center gap-1.5 rounded-md border border-border px-2.5 text-sm font-medium text-fg hover:bg-surface-hover sm:max-w-64"
        aria-label={`Organisation: ${me.organization_name}. Switch organisation`}
        aria-busy={switching}
      >
        {switching && <Spinner decorative />}
        <span className="truncate">{me.organization_name}</span>
        <svg aria-hidden="true" viewBox="0 0 16 16" className="size-3.5 shrink-0 text-fg-subtle" fill="none" stroke="currentColor" strokeWidth="1.75">
          <path d="M4 6l4 4 4-4" />
        </svg>
      </MenuTrigger>
      <MenuContent align="end">
        <MenuLabel>Switch organisation</MenuLabel>
        <MenuRadioGroup value={me.organization_id} onValueChange={(value) => void switchTo(value)}>
          {me.organizations.map((org) => (
            <MenuRadioItem key={org.id} value={org.id}>
              <span className="flex min-w-0 flex-col">
                <span className="truncate">{org.name}</span>
                <span className="text-xs text-fg-subtle">{roleLabel(org.role)}</span>
              </span>
            </MenuRadioItem>
          ))}
        </MenuRadioGroup>
      </MenuContent>
    </MenuRoot>
  );
}
