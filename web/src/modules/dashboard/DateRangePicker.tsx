import * as Popover from "@radix-ui/react-popover";
import { useId, useState } from "react";
import { Button } from "@/components/ui/Button";
import { Input } from "@/components/ui/Input";
import { formatDate } from "@/lib/format";
import { PRESETS, type DateRange, type RangePreset } from "./dateRange";

export type DateRangePickerProps = {
  value: DateRange & { preset: RangePreset | "custom" };
  onPreset: (preset: RangePreset) => void;
  onCustom: (range: DateRange) => void;
};

/** Presets for the usual questions, two dates for the rest. */
export function DateRangePicker({ value, onPreset, onCustom }: DateRangePickerProps) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [start, setStart] = useState(value.start);
  const [end, setEnd] = useState(value.end);
  const invalid = !start || !end || start > end;
  const label = value.preset === "custom" ? `${formatDate(value.start)} – ${formatDate(value.end)}` : PRESETS.find((p) => p.value === value.preset)?.label;

  return (
    <Popover.Root
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (next) {
          setStart(value.start);
          setEnd(value.end);
        }
      }}
    >
      <Popover.Trigger asChild>
        <Button variant="secondary" size="sm" aria-label={`Date range: ${label ?? ""}`} data-testid="date-range">
          <svg aria-hidden="true" viewBox="0 0 16 16" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="1.5">
            <rect x="2" y="3" width="12" height="11" rx="1.5" />
            <path d="M2 6.5h12M5 1.5v3M11 1.5v3" />
          </svg>
          {label}
        </Button>
      </Popover.Trigger>
      <Popover.Portal>
        <Popover.Content
          align="end"
          sideOffset={6}
          collisionPadding={8}
          className="z-50 flex w-72 max-w-[calc(100vw-1rem)] flex-col gap-3 rounded-lg border border-border bg-surface p-3 shadow-lg outline-none"
        >
          <div role="group" aria-label="Presets" className="flex flex-col gap-0.5">
            {PRESETS.map((preset) => (
              <button
                key={preset.value}
                type="button"
                aria-pressed={value.preset === preset.value}
                onClick={() => {
                  onPreset(preset.value);
                  setOpen(false);
                }}
                className="cursor-pointer rounded-md px-2.5 py-1.5 text-left text-sm text-fg hover:bg-surface-hover aria-pressed:bg-accent-subtle aria-pressed:font-medium aria-pressed:text-accent-fg"
              >
                {preset.label}
              </button>
            ))}
          </div>
          <form
            className="flex flex-col gap-2 border-t border-border pt-3"
            onSubmit={(event) => {
              event.preventDefault();
              if (invalid) return;
              onCustom({ start, end });
              setOpen(false);
            }}
          >
            <p className="text-xs font-medium text-fg-muted">Custom range</p>
            <div className="grid grid-cols-2 gap-2">
              <label htmlFor={`${id}-start`} className="sr-only">
                From
              </label>
              <Input id={`${id}-start`} type="date" value={start} max={end} onChange={(e) => setStart(e.target.value)} />
              <label htmlFor={`${id}-end`} className="sr-only">
                To
              </label>
              <Input id={`${id}-end`} type="date" value={end} min={start} onChange={(e) => setEnd(e.target.value)} />
            </div>
            {invalid && <p className="text-xs font-medium text-danger">The start must be on or before the end.</p>}
            <Button type="submit" size="sm" disabled={invalid}>
              Apply
            </Button>
          </form>
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  );
}
