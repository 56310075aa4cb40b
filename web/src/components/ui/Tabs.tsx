import type { KeyboardEvent } from "react";
import { cn } from "@/lib/cn";

export type TabsProps<T extends string> = {
  label: string;
  tabs: readonly { value: T; label: string; badge?: string | undefined }[];
  value: T;
  onChange: (value: T) => void;
  /** id prefix; the panel of tab X is `${idBase}-panel` labelled by `${idBase}-tab-X`. */
  idBase: string;
};

/** WAI-ARIA tabs: arrow keys move between tabs, only the selected tab is in the tab order. */
export function Tabs<T extends string>({ label, tabs, value, onChange, idBase }: TabsProps<T>) {
  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    const index = tabs.findIndex((tab) => tab.value === value);
    let next: number;
    if (event.key === "ArrowRight") next = (index + 1) % tabs.length;
    else if (event.key === "ArrowLeft") next = (index - 1 + tabs.length) % tabs.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = tabs.length - 1;
    else return;
    event.preventDefault();
    const target = tabs[next];
    if (!target) return;
    onChange(target.value);
    document.getElementById(`${idBase}-tab-${target.value}`)?.focus();
  };
  return (
    <div role="tablist" aria-label={label} className="flex gap-1 overflow-x-auto border-b border-border px-4 sm:px-5">
      {tabs.map((tab) => {
        const selected = tab.value === value;
        return (
          <button
            key={tab.value}
            id={`${idBase}-tab-${tab.value}`}
            type="button"
            role="tab"
            aria-selected={selected}
            aria-controls={`${idBase}-panel`}
            tabIndex={selected ? 0 : -1}
            onClick={() => onChange(tab.value)}
            onKeyDown={onKeyDown}
            className={cn(
              "-mb-px flex h-10 shrink-0 cursor-pointer items-center gap-1.5 border-b-2 px-2.5 text-sm font-medium whitespace-nowrap",
              selected ? "border-accent text-fg" : "border-transparent text-fg-muted hover:text-fg",
            )}
          >
            {tab.label}
            {tab.badge && <span className="rounded-full bg-accent-subtle px-1.5 text-xs text-accent-fg">{tab.badge}</span>}
          </button>
        );
      })}
    </div>
  );
}
