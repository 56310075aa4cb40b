import { QueryClient, QueryObserver } from "@tanstack/react-query";
import { describe, expect, it, vi } from "vitest";
import type { AuthClient, AuthState } from "./AuthClient";
import { connectAuth } from "./sync";

function fakeAuth(initial: AuthState) {
  let state = initial;
  const listeners = new Set<() => void>();
  const auth = {
    getState: () => state,
    subscribe: (listener: () => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as AuthClient;
  const set = (next: AuthState) => {
    state = next;
    for (const listener of listeners) listener();
  };
  return { auth, set };
}

const session = (organizationId: string, role = "admin") =>
  ({ status: "signed_in", session: { organizationId, role, expiresAt: 0, mfaEnrollmentRequired: false } }) as const;

describe("connectAuth", () => {
  it("refetches what is on screen under the new organisation and drops the rest", async () => {
    const { auth, set } = fakeAuth(session("org-1"));
    const queryClient = new QueryClient();
    let org = "org-1";
    const observer = new QueryObserver(queryClient, { queryKey: ["auth", "me"], queryFn: () => Promise.resolve({ org }) });
    const unsubscribe = observer.subscribe(() => undefined);
    await vi.waitFor(() => expect(observer.getCurrentResult().data).toEqual({ org: "org-1" }));
    queryClient.setQueryData(["settings", "members"], { items: ["someone of org-1"] });
    const invalidate = vi.fn();
    connectAuth(auth, queryClient, invalidate);

    org = "org-2";
    set(session("org-2"));
    await vi.waitFor(() => expect(observer.getCurrentResult().data).toEqual({ org: "org-2" }));
    expect(queryClient.getQueryData(["settings", "members"])).toBeUndefined();
    expect(invalidate).toHaveBeenCalledOnce();
    unsubscribe();
  });

  it("clears everything on sign-out, and ignores plain token refreshes", () => {
    const { auth, set } = fakeAuth(session("org-1"));
    const queryClient = new QueryClient();
    queryClient.setQueryData(["settings", "members"], { items: [] });
    const invalidate = vi.fn();
    connectAuth(auth, queryClient, invalidate);

    set({ status: "signed_in", session: { ...session("org-1").session, expiresAt: 1 } });
    expect(invalidate).not.toHaveBeenCalled();
    expect(queryClient.getQueryData(["settings", "members"])).toEqual({ items: [] });

    set({ status: "signed_out", reason: "signed_out" });
    expect(queryClient.getQueryCache().getAll()).toHaveLength(0);
    expect(invalidate).toHaveBeenCalledOnce();
  });
});
