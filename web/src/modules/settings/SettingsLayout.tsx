import { useSuspenseQuery } from "@tanstack/react-query";
import { Outlet } from "@tanstack/react-router";
import { SectionLayout } from "@/components/layout/SectionLayout";
import { meQueryOptions } from "@/lib/auth/me";
import { allowedSettingsPages } from "./settingsPages";

export function SettingsLayout() {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const items = allowedSettingsPages(me).map(({ to, label }) => ({ to, label }));
  return (
    <SectionLayout title="Settings" description={`Manage ${me.organization_name}.`} navLabel="Settings" items={items}>
      <Outlet />
    </SectionLayout>
  );
}
