import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { meQueryOptions } from "@/lib/auth/me";
import { useAuthState } from "@/lib/auth/useAuth";
import { AppShell } from "./AppShell";
import { buildNavigation } from "./navigation";

/** For pages open to everyone (status, not found): the full shell when signed in, a bare frame otherwise. */
export function AdaptiveShell({ children }: { children: ReactNode }) {
  const state = useAuthState();
  if (state.status === "signed_in" && !state.session.mfaEnrollmentRequired) {
    return <SignedInShell>{children}</SignedInShell>;
  }
  return (
    <AppShell navItems={[]} visitor={state.status === "signed_out"}>
      {children}
    </AppShell>
  );
}

function SignedInShell({ children }: { children: ReactNode }) {
  const { data: me } = useQuery(meQueryOptions());
  return (
    <AppShell navItems={me ? buildNavigation(me) : []} me={me}>
      {children}
    </AppShell>
  );
}
