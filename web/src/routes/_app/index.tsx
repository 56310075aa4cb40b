import { createFileRoute } from "@tanstack/react-router";
import { DashboardPage } from "@/modules/dashboard/DashboardPage";
import { validateRangeSearch } from "@/modules/dashboard/dateRange";

export const Route = createFileRoute("/_app/")({
  validateSearch: validateRangeSearch,
  component: Home,
});

function Home() {
  const search = Route.useSearch();
  const navigate = Route.useNavigate();
  return (
    <DashboardPage
      search={search}
      onPreset={(range) => void navigate({ search: { range }, replace: true })}
      onCustom={({ start, end }) => void navigate({ search: { start, end }, replace: true })}
    />
  );
}
