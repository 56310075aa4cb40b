import { useId, useState } from "react";
import { cn } from "@/lib/cn";
import { formatBytes } from "./formatBytes";

/** A drop zone that is also a labelled file input (keyboard: Tab to it, Enter/Space to choose). */
export function FileDrop({ file, onFile, error }: { file: File | undefined; onFile: (file: File | undefined) => void; error?: string | undefined }) {
  const id = useId();
  const [dragging, setDragging] = useState(false);
  return (
    <div className="flex flex-col gap-1.5">
      <span className="text-sm font-medium text-fg" id={`${id}-label`}>
        CSV file
      </span>
      <label
        htmlFor={id}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(event) => {
          event.preventDefault();
          setDragging(false);
          onFile(event.dataTransfer.files[0]);
        }}
        className={cn(
          "flex cursor-pointer flex-col items-center gap-2 rounded-lg border-2 border-dashed px-4 py-8 text-center transition-colors",
          "has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-accent",
          dragging ? "border-accent bg-accent-subtle" : error ? "border-danger bg-danger-subtle/40" : "border-border-strong hover:bg-surface-hover",
        )}
      >
        <svg aria-hidden="true" viewBox="0 0 24 24" className="size-8 text-fg-subtle" fill="none" stroke="currentColor" strokeWidth="1.5">
          <path d="M12 16V4m0 0-4 4m4-4 4 4M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        {file ? (
          <span className="max-w-full truncate font-medium text-fg">{file.name}</span>
        ) : (
          <span className="font-medium text-fg">Drop a CSV file here, or choose one</span>
        )}
        <span className="text-xs text-fg-subtle">
          {file ? `${formatBytes(file.size)} · choose another to replace it` : "Comma, semicolon, tab or pipe separated; UTF-8 or Windows-1252; up to 64 MB."}
        </span>
        <input
          id={id}
          type="file"
          accept=".csv,.tsv,.txt,text/csv"
          className="sr-only"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          onChange={(event) => onFile(event.target.files?.[0])}
        />
      </label>
      {error && (
        <p id={`${id}-error`} className="text-xs font-medium text-danger" data-field-error>
          {error}
        </p>
      )}
    </div>
  );
}
