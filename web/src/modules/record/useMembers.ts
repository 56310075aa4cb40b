import { useQuery } from "@tanstack/react-query";
import { useCallback, useMemo } from "react";
import { membersQueryOptions } from "./queries";

/** Names of the organisation's members by user id, and the owner choices for a select. */
export function useMembers() {
  const members = useQuery(membersQueryOptions());
  const byId = useMemo(() => new Map((members.data?.items ?? []).map((m) => [m.user_id, m.full_name || m.email])), [members.data]);
  const name = useCallback((id: string | null | undefined) => (id ? (byId.get(id) ?? "A former member") : "Nobody"), [byId]);
  const options = useMemo(
    () => [{ value: "", label: "Nobody" }, ...(members.data?.items ?? []).map((m) => ({ value: m.user_id, label: m.full_name || m.email }))],
    [members.data],
  );
  return { name, options };
}
