import { Link, useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { Avatar } from "@/components/ui/Avatar";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { MenuContent, MenuItem, MenuLabel, MenuRoot, MenuSeparator, MenuTrigger } from "@/components/ui/Menu";
import { auth } from "@/lib/auth/auth";
import type { Me } from "@/lib/auth/me";
import { errorMessage } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { roleLabel } from "@/lib/auth/roles";

export function UserMenu({ me }: { me: Me }) {
  const navigate = useNavigate();
  const [confirmEverywhere, setConfirmEverywhere] = useState(false);

  const signOut = async () => {
    try {
      await auth.signOut();
      await navigate({ to: "/sign-in" });
    } catch (error) {
      toast(`Couldn't sign out: ${errorMessage(error)}`, "danger");
    }
  };

  const signOutEverywhere = async () => {
    const ended = await auth.signOut({ everywhere: true });
    toast(`Signed out of ${ended} ${ended === 1 ? "session" : "sessions"}.`);
    await navigate({ to: "/sign-in" });
  };

  return (
    <>
      <MenuRoot modal={false}>
        <MenuTrigger
          className="flex h-9 max-w-56 cursor-pointer items-center gap-2 rounded-md px-1.5 text-left hover:bg-surface-hover data-[state=open]:bg-surface-hover"
          aria-label={`Account menu for ${me.full_name}`}
        >
          <Avatar name={me.full_name} />
          <span className="hidden min-w-0 flex-col leading-tight sm:flex">
            <span className="truncate text-sm font-medium text-fg">{me.full_name}</span>
            <span className="truncate text-xs text-fg-subtle">{roleLabel(me.role)}</span>
          </span>
        </MenuTrigger>
        <MenuContent align="end">
          <MenuLabel className="flex flex-col gap-0.5">
            <span className="truncate text-sm font-semibold text-fg">{me.full_name}</span>
            <span className="truncate font-normal">{me.email}</span>
            <span className="truncate font-normal">
              {me.organization_name} · {roleLabel(me.role)}
            </span>
          </MenuLabel>
          <MenuSeparator />
          <MenuItem asChild>
            <Link to="/account/profile">Profile</Link>
          </MenuItem>
          <MenuItem asChild>
            <Link to="/account/security">Security &amp; MFA</Link>
          </MenuItem>
          <MenuItem asChild>
            <Link to="/account/sessions">Sessions &amp; devices</Link>
          </MenuItem>
          <MenuSeparator />
          <MenuItem onSelect={() => void signOut()}>Sign out</MenuItem>
          <MenuItem danger onSelect={() => setConfirmEverywhere(true)}>
            Sign out everywhere
          </MenuItem>
        </MenuContent>
      </MenuRoot>
      <ConfirmDialog
        open={confirmEverywhere}
        onOpenChange={setConfirmEverywhere}
        title="Sign out everywhere?"
        description={`This ends every session of yours in ${me.organization_name}, on every device, including this one.`}
        confirmLabel="Sign out everywhere"
        destructive
        onConfirm={signOutEverywhere}
      />
    </>
  );
}
