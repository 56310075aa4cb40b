import { useQueries } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { Section } from "@/components/ui/Section";
import { Spinner } from "@/components/ui/Spinner";
import { personName } from "@/modules/records/format";
import { contactQueryOptions } from "./queries";

const SHOWN = 10;

/** The people on a deal. A deal names few contacts, so each is read by id (and cached for its page). */
export function DealContacts({ ids }: { ids: readonly string[] }) {
  const contacts = useQueries({ queries: ids.slice(0, SHOWN).map((id) => ({ ...contactQueryOptions(id), retry: false })) });
  return (
    <Section title="Contacts" flush>
      {ids.length === 0 && <p className="px-4 py-3 text-sm text-fg-subtle">No contacts on this deal.</p>}
      {ids.length > 0 && (
        <ul className="divide-y divide-border" aria-label="Contacts">
          {contacts.map((query, index) => {
            const id = ids[index] ?? "";
            return (
              <li key={id} className="px-4 py-2 text-sm">
                {query.isPending && <Spinner label="Loading contact…" />}
                {query.isError && <span className="text-fg-subtle">A contact you cannot see</span>}
                {query.data && (
                  <div className="flex min-w-0 flex-col">
                    <Link to="/contacts/$contactId" params={{ contactId: id }} className="truncate font-medium text-accent-fg hover:underline">
                      {personName(query.data.first_name, query.data.last_name)}
                    </Link>
                    {query.data.job_title && <span className="truncate text-xs text-fg-muted">{query.data.job_title}</span>}
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {ids.length > SHOWN && <p className="border-t border-border px-4 py-2 text-xs text-fg-subtle">and {ids.length - SHOWN} more</p>}
    </Section>
  );
}
