import * as RadixDialog from "@radix-ui/react-dialog";
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "@tanstack/react-router";
import { Command } from "cmdk";
import { useState } from "react";
import type { NavItem } from "@/components/layout/navigation";
import { Spinner } from "@/components/ui/Spinner";
import type { Me } from "@/lib/auth/me";
import { errorMessage } from "@/lib/forms/apiErrors";
import { toast } from "@/lib/toast/toast";
import { FoundByBadge } from "./FoundByBadge";
import { groupHits, hitHref, searchQueryOptions, typeLabels, type PaletteHit } from "./searchQueries";
import { useDebounced } from "./useDebounced";

export type SearchPaletteProps = {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  me: Pick<Me, "permissions">;
  /** The user's navigation, offered as "Go to" commands. */
  pages: NavItem[];
};

const itemClass =
  "flex cursor-pointer items-start gap-3 rounded-md px-3 py-2 text-sm text-fg data-[selected=true]:bg-accent-subtle data-[selected=true]:text-accent-fg";

/**
 * The command palette behind the top bar's search: records ranked by the server (by meaning and
 * words), and the user's pages. Arrow keys move, Enter opens, Escape closes.
 */
export function SearchPalette({ open, onOpenChange, me, pages }: SearchPaletteProps) {
  const router = useRouter();
  const [query, setQuery] = useState("");
  const q = useDebounced(query.trim(), 200);
  const results = useQuery({ ...searchQueryOptions(q, me), enabled: open && q.length > 0 });
  const typed = query.trim().toLowerCase();
  const matchingPages = pages.filter((page) => typed === "" || page.label.toLowerCase().includes(typed));
  const groups = results.data && q.length > 0 ? groupHits(results.data.hits) : [];
  const waiting = q !== query.trim() || results.isFetching;

  const close = (next: boolean) => {
    onOpenChange(next);
    if (!next) setQuery("");
  };

  const go = async (hit: PaletteHit) => {
    try {
      const href = await hitHref(hit);
      close(false);
      router.history.push(href);
    } catch (error) {
      toast(`Couldn't open this result: ${errorMessage(error)}`, "danger");
    }
  };

  return (
    <RadixDialog.Root open={open} onOpenChange={close}>
      <RadixDialog.Portal>
        <RadixDialog.Overlay className="fixed inset-0 z-40 bg-fg/30" />
        <RadixDialog.Content
          aria-describedby={undefined}
          className="fixed top-[8vh] left-1/2 z-50 flex max-h-[80dvh] w-[calc(100vw-1.5rem)] max-w-xl -translate-x-1/2 flex-col overflow-hidden rounded-lg border border-border bg-surface shadow-lg outline-none"
        >
          <RadixDialog.Title className="sr-only">Search</RadixDialog.Title>
          <Command shouldFilter={false} label="Search the CRM" className="flex min-h-0 flex-col">
            <div className="flex items-center gap-2 border-b border-border px-3">
              <svg aria-hidden="true" viewBox="0 0 20 20" className="size-4 shrink-0 text-fg-subtle" fill="none" stroke="currentColor" strokeWidth="1.75">
                <circle cx="9" cy="9" r="5.5" />
                <path d="m13.5 13.5 3 3" strokeLinecap="round" />
              </svg>
              <Command.Input
                value={query}
                onValueChange={setQuery}
                placeholder="Search contacts, companies, deals, leads, notes…"
                className="h-12 min-w-0 flex-1 bg-transparent text-base text-fg outline-none placeholder:text-fg-subtle sm:text-sm"
              />
              {waiting && q.length > 0 && <Spinner label="Searching" />}
            </div>
            <Command.List className="min-h-0 overflow-y-auto p-2">
              {results.isError && q.length > 0 && (
                <p role="alert" className="px-3 py-6 text-center text-sm text-danger">
                  {errorMessage(results.error)}
                </p>
              )}
              {q.length > 0 && results.data && !waiting && results.data.hits.length === 0 && (
                <p className="px-3 py-6 text-center text-sm text-fg-muted">Nothing matches “{q}”.</p>
              )}
              {groups.map((group) => (
                <Command.Group
                  key={group.type}
                  heading={typeLabels[group.type]}
                  className="[&_[cmdk-group-heading]]:px-3 [&_[cmdk-group-heading]]:pt-2 [&_[cmdk-group-heading]]:pb-1 [&_[cmdk-group-heading]]:text-xs [&_[cmdk-group-heading]]:font-medium [&_[cmdk-group-heading]]:text-fg-subtle"
                >
                  {group.hits.map((hit) => (
                    <Command.Item key={`${hit.type}-${hit.id}`} value={`${hit.type}-${hit.id}`} onSelect={() => void go(hit)} className={itemClass}>
                      <span className="min-w-0 flex-1">
                        <span className="block truncate font-medium">{hit.title}</span>
                        {hit.snippet && <span className="block truncate text-xs text-fg-muted">{hit.snippet}</span>}
                      </span>
                      <FoundByBadge foundBy={hit.foundBy} />
                    </Command.Item>
                  ))}
                </Command.Group>
              ))}
              {matchingPages.length > 0 && (
                <Command.Group
                  heading="Go to"
                  className="[&_[cmdk-group-heading]]:px-3 [&_[cmdk-group-heading]]:pt-2 [&_[cmdk-group-heading]]:pb-1 [&_[cmdk-group-heading]]:text-xs [&_[cmdk-group-heading]]:font-medium [&_[cmdk-group-heading]]:text-fg-subtle"
                >
                  {matchingPages.map((page) => (
                    <Command.Item
                      key={page.to}
                      value={`page-${page.to}`}
                      onSelect={() => {
                        close(false);
                        void router.navigate({ to: page.to });
                      }}
                      className={itemClass}
                    >
                      {page.label}
                    </Command.Item>
                  ))}
                </Command.Group>
              )}
            </Command.List>
            {results.data && q.length > 0 && !results.data.semantic && (
              <p className="border-t border-border px-4 py-2 text-xs text-fg-muted" role="status">
                Searching by words only: meaning search is unavailable{results.data.reason ? ` (${results.data.reason})` : ""}.
              </p>
            )}
            <p className="hidden border-t border-border px-4 py-2 text-xs text-fg-subtle sm:block">
              <kbd className="font-sans">↑</kbd> <kbd className="font-sans">↓</kbd> to move · <kbd className="font-sans">Enter</kbd> to open ·{" "}
              <kbd className="font-sans">Esc</kbd> to close
            </p>
          </Command>
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}
