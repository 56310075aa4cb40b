import { useSyncExternalStore } from "react";
import type { AuthState } from "./AuthClient";
import { auth } from "./auth";

/** The tab's auth state; re-renders on sign-in, refresh and sign-out. */
export function useAuthState(): AuthState {
  return useSyncExternalStore(auth.subscribe, auth.getState, auth.getState);
}
