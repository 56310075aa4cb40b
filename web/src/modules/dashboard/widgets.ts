import { can, type Me } from "@/lib/auth/me";

export type WidgetKey = "pipeline" | "winRate" | "closing" | "topAccounts" | "leadSources" | "activities";

/**
 * Which widgets a dashboard shows: by role (Sales and Admin work deals, Marketing works lead
 * sources, Support works tasks; Admin sees everything), and never one whose data the user may
 * not read — a customised role loses the widgets its permissions no longer cover.
 */
export function widgetsFor(me: Pick<Me, "role" | "permissions">): WidgetKey[] {
  const byRole: Record<string, WidgetKey[]> = {
    admin: ["pipeline", "winRate", "closing", "topAccounts", "leadSources", "activities"],
    sales: ["pipeline", "winRate", "closing", "topAccounts", "activities"],
    marketing: ["leadSources"],
    support: ["activities"],
  };
  const needs: Record<WidgetKey, boolean> = {
    pipeline: can(me, "deals:read") && can(me, "pipelines:read"),
    winRate: can(me, "deals:read"),
    closing: can(me, "deals:read"),
    topAccounts: can(me, "deals:read"),
    leadSources: can(me, "leads:read"),
    activities: can(me, "activities:read"),
  };
  return (byRole[me.role] ?? []).filter((key) => needs[key]);
}

/** Whether the range picker matters: only some widgets read the date range. */
export function usesRange(widgets: WidgetKey[]): boolean {
  return widgets.some((key) => key === "winRate" || key === "topAccounts" || key === "leadSources");
}
