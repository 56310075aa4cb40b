import { useCallback, useState } from "react";
import type { NavItem } from "@/components/layout/navigation";
import type { Me } from "@/lib/auth/me";
import { SearchPalette } from "./SearchPalette";
import { useSearchShortcut } from "./useSearchShortcut";

// userAgent rather than the deprecated navigator.platform; only picks the hint shown.
const isMac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.userAgent);

/** The top bar's search box: opens the palette on click, "/" or Ctrl/Cmd+K. */
export function SearchButton({ me, pages }: { me: Pick<Me, "permissions">; pages: NavItem[] }) {
  const [open, setOpen] = useState(false);
  const show = useCallback(() => setOpen(true), []);
  useSearchShortcut(show);
  return (
    <>
      <button
        type="button"
        onClick={show}
        aria-keyshortcuts="/ Control+K Meta+K"
        aria-label="Search"
        className="flex h-9 min-w-0 cursor-pointer items-center gap-2 rounded-md border border-border bg-surface-muted px-2.5 text-sm text-fg-subtle hover:bg-surface-hover hover:text-fg sm:w-64"
      >
        <svg aria-hidden="true" viewBox="0 0 20 20" className="size-4 shrink-0" fill="none" stroke="currentColor" strokeWidth="1.75">
          <circle cx="9" cy="9" r="5.5" />
          <path d="m13.5 13.5 3 3" strokeLinecap="round" />
        </svg>
        <span className="hidden flex-1 truncate text-left sm:inline">Search…</span>
        <kbd className="hidden rounded border border-border px-1.5 font-sans text-xs sm:inline">{isMac ? "⌘K" : "Ctrl K"}</kbd>
      </button>
      <SearchPalette open={open} onOpenChange={setOpen} me={me} pages={pages} />
    </>
  );
}
