import type { ReactNode } from "react";
import { Section } from "@/components/ui/Section";
import { Spinner } from "@/components/ui/Spinner";
import { ErrorState } from "@/components/ui/States";

export type RelatedListProps<T> = {
  title: string;
  query: { data?: { items: T[] } | undefined; isPending: boolean; isError: boolean; error: unknown; refetch: () => unknown };
  empty: string;
  render: (item: T) => ReactNode;
  keyOf: (item: T) => string;
};

/** A short list of linked records in the side column (first page; each row links to its page). */
export function RelatedList<T>({ title, query, empty, render, keyOf }: RelatedListProps<T>) {
  const items = query.data?.items ?? [];
  return (
    <Section title={title} flush>
      {query.isPending && (
        <div className="flex justify-center py-4">
          <Spinner label={`Loading ${title.toLowerCase()}…`} />
        </div>
      )}
      {query.isError && (
        <div className="p-3">
          <ErrorState error={query.error} onRetry={() => void query.refetch()} />
        </div>
      )}
      {query.data && items.length === 0 && <p className="px-4 py-3 text-sm text-fg-subtle">{empty}</p>}
      {items.length > 0 && (
        <ul className="divide-y divide-border" aria-label={title}>
          {items.map((item) => (
            <li key={keyOf(item)} className="px-4 py-2 text-sm">
              {render(item)}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
