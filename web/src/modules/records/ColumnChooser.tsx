import * as Popover from "@radix-ui/react-popover";
import { Button } from "@/components/ui/Button";
import type { Column } from "./objects";

export type ColumnChooserProps = {
  columns: Column[];
  /** Visible column keys in order; the first ("name") is fixed. */
  visible: string[];
  onChange: (visible: string[]) => void;
  onReset: () => void;
};

/** Which columns show and in what order (custom fields included). Keyboard: checkboxes and move buttons. */
export function ColumnChooser({ columns, visible, onChange, onReset }: ColumnChooserProps) {
  const byKey = new Map(columns.map((column) => [column.key, column]));
  const shown = visible.filter((key) => byKey.has(key));
  const hidden = columns.filter((column) => !shown.includes(column.key));

  const move = (index: number, delta: number) => {
    const next = [...shown];
    const target = index + delta;
    if (target < 1 || target >= next.length) return;
    const moved = next[index];
    const other = next[target];
    if (moved === undefined || other === undefined) return;
    next[index] = other;
    next[target] = moved;
    onChange(next);
  };

  return (
    <Popover.Root>
      <Popover.Trigger asChild>
        <Button variant="secondary" size="sm">
          <svg aria-hidden="true" viewBox="0 0 16 16" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="1.6">
            <path d="M2 3h12v10H2zM6 3v10M10 3v10" />
          </svg>
          Columns
        </Button>
      </Popover.Trigger>
      <Popover.Portal>
        <Popover.Content
          align="end"
          sideOffset={6}
          collisionPadding={8}
          className="z-50 flex max-h-[min(32rem,calc(100dvh-6rem))] w-72 max-w-[calc(100vw-1rem)] flex-col rounded-lg border border-border bg-surface shadow-lg outline-none"
        >
          <div className="flex items-center justify-between border-b border-border px-3 py-2">
            <p className="text-sm font-semibold text-fg">Columns</p>
            <Button variant="ghost" size="sm" onClick={onReset}>
              Reset
            </Button>
          </div>
          <ul className="flex-1 overflow-y-auto p-1" aria-label="Columns">
            {shown.map((key, index) => {
              const column = byKey.get(key);
              if (!column) return null;
              return (
                <li key={key} className="flex items-center gap-2 rounded-md px-2 py-1 hover:bg-surface-hover">
                  <label className="flex min-w-0 flex-1 cursor-pointer items-center gap-2 text-sm">
                    <input
                      type="checkbox"
                      className="size-4 accent-accent"
                      checked
                      disabled={index === 0}
                      onChange={() => onChange(shown.filter((k) => k !== key))}
                    />
                    <span className="truncate">{column.label}</span>
                  </label>
                  {index > 0 && (
                    <span className="flex shrink-0 gap-0.5">
                      <button
                        type="button"
                        className="inline-flex size-6 cursor-pointer items-center justify-center rounded text-fg-muted hover:bg-surface-muted disabled:opacity-30"
                        onClick={() => move(index, -1)}
                        disabled={index <= 1}
                        aria-label={`Move ${column.label} left`}
                      >
                        <span aria-hidden="true">↑</span>
                      </button>
                      <button
                        type="button"
                        className="inline-flex size-6 cursor-pointer items-center justify-center rounded text-fg-muted hover:bg-surface-muted disabled:opacity-30"
                        onClick={() => move(index, 1)}
                        disabled={index >= shown.length - 1}
                        aria-label={`Move ${column.label} right`}
                      >
                        <span aria-hidden="true">↓</span>
                      </button>
                    </span>
                  )}
                </li>
              );
            })}
            {hidden.length > 0 && <li className="mt-1 border-t border-border px-2 pt-2 pb-1 text-xs font-medium text-fg-subtle">Hidden</li>}
            {hidden.map((column) => (
              <li key={column.key} className="rounded-md px-2 py-1 hover:bg-surface-hover">
                <label className="flex cursor-pointer items-center gap-2 text-sm">
                  <input type="checkbox" className="size-4 accent-accent" checked={false} onChange={() => onChange([...shown, column.key])} />
                  <span className="truncate">{column.label}</span>
                  {column.key.startsWith("cf.") && <span className="ml-auto text-xs text-fg-subtle">custom</span>}
                </label>
              </li>
            ))}
          </ul>
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  );
}
