import { useSuspenseQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { lazy, Suspense } from "react";
import { PageHeader } from "@/components/layout/PageHeader";
import { LoadingState } from "@/components/ui/States";
import { meQueryOptions } from "@/lib/auth/me";
import { roleLabel } from "@/lib/auth/roles";
import { DateRangePicker } from "./DateRangePicker";
import { resolveRange, type DateRange, type RangePreset, type RangeSearch } from "./dateRange";
import { MfaNudge } from "./MfaNudge";
import { usesRange, widgetsFor } from "./widgets";

// Charts (Recharts) load after the page shell: the first route's JavaScript stays small.
const DashboardWidgets = lazy(() => import("./DashboardWidgets").then((m) => ({ default: m.DashboardWidgets })));

function firstName(fullName: string): string {
  return fullName.trim().split(/\s+/)[0] ?? fullName;
}

export type DashboardPageProps = {
  search: RangeSearch;
  onPreset: (preset: RangePreset) => void;
  onCustom: (range: DateRange) => void;
};

/** Home: the role's dashboard. */
export function DashboardPage({ search, onPreset, onCustom }: DashboardPageProps) {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const widgets = widgetsFor(me);
  const range = resolveRange(search);

  return (
    <div className="mx-auto flex w-full max-w-7xl flex-col gap-6">
      <title>Home · CliniGlobal CRM</title>
      <PageHeader
        title={`Welcome, ${firstName(me.full_name)}`}
        description={
          <>
            {me.organization_name} · {roleLabel(me.role)}
          </>
        }
        actions={usesRange(widgets) && <DateRangePicker value={range} onPreset={onPreset} onCustom={onCustom} />}
      />
      {!me.mfa_enabled && <MfaNudge />}
      {widgets.length === 0 ? (
        <p className="text-sm text-fg-muted">
          Nothing to chart for your role yet. Your account and sessions are under{" "}
          <Link to="/account/profile" className="font-medium text-accent hover:underline">
            Account
          </Link>
          .
        </p>
      ) : (
        <Suspense fallback={<LoadingState label="Loading your dashboard…" />}>
          <DashboardWidgets widgets={widgets} range={{ start: range.start, end: range.end }} role={me.role} />
        </Suspense>
      )}
    </div>
  );
}
