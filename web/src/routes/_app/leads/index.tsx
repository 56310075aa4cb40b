import { createFileRoute } from "@tanstack/react-router";
import { requireList } from "@/modules/records/guard";
import { parseListSearch, type ListSearch } from "@/modules/records/listQuery";
import { RecordListPage } from "@/modules/records/RecordListPage";

export const Route = createFileRoute("/_app/leads/")({
  validateSearch: parseListSearch,
  beforeLoad: ({ context }) => requireList("leads", context.me),
  component: LeadsList,
});

function LeadsList() {
  const search = Route.useSearch();
  const navigate = Route.useNavigate();
  return <RecordListPage object="leads" search={search} onSearchChange={(next: ListSearch) => void navigate({ search: next, replace: true })} />;
}
