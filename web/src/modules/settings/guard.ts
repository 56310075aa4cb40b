import { notFound } from "@tanstack/react-router";
import type { Me } from "@/lib/auth/me";
import { settingsPages } from "./settingsPages";

/** For a settings route's beforeLoad: the page exists only for users who may use it. */
export function requireSettingsPage(to: string, me: Pick<Me, "permissions">): void {
  const page = settingsPages.find((p) => p.to === to);
  if (!page?.allowed(me)) throw notFound();
}
