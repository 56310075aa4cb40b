import { Badge, type BadgeTone } from "@/components/ui/Badge";
import { EmptyState } from "@/components/ui/States";
import type { PreviewRow } from "./queries";

const actions: Record<PreviewRow["action"], { label: string; tone: BadgeTone }> = {
  create: { label: "New", tone: "success" },
  update: { label: "Update", tone: "accent" },
  skip: { label: "Skip", tone: "neutral" },
  error: { label: "Error", tone: "danger" },
};

/** A value of the preview as text: lists joined, objects (an address) as their parts. */
export function previewValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(previewValue).join(", ");
  if (typeof value === "object") return Object.values(value as Record<string, unknown>).map(previewValue).filter(Boolean).join(", ");
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "string" || typeof value === "number") return String(value);
  return JSON.stringify(value);
}

function humanKey(key: string): string {
  const text = key.replace(/^cf\./, "").replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The preview's rows: a list of cards on phones, a grid from `sm` up (never sideways scroll). */
export function PreviewTable({ rows }: { rows: PreviewRow[] }) {
  if (rows.length === 0) return <EmptyState title="The file has no rows">Only a header line was found.</EmptyState>;
  return (
    <ul className="divide-y divide-border" aria-label="Preview rows">
      {rows.map((row) => {
        const action = actions[row.action];
        const entries = Object.entries(row.values);
        return (
          <li
            key={row.row}
            data-preview-row={row.row}
            data-action={row.action}
            className={`grid gap-2 px-4 py-3 sm:grid-cols-[4.5rem_5.5rem_minmax(0,1fr)] sm:gap-4 sm:px-5 ${row.action === "error" ? "bg-danger-subtle/30" : ""}`}
          >
            <span className="text-xs text-fg-subtle sm:pt-0.5">Line {row.row}</span>
            <span>
              <Badge tone={action.tone}>{action.label}</Badge>
            </span>
            <div className="min-w-0">
              {entries.length > 0 && (
                <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-0.5 text-sm">
                  {entries.map(([key, value]) => (
                    <div key={key} className="contents">
                      <dt className="text-fg-subtle">{humanKey(key)}</dt>
                      <dd className="truncate text-fg" title={previewValue(value)}>
                        {previewValue(value)}
                      </dd>
                    </div>
                  ))}
                </dl>
              )}
              {row.errors.length > 0 && (
                <ul className="mt-1 flex flex-col gap-0.5 text-sm font-medium text-danger" data-row-errors>
                  {row.errors.map((error) => (
                    <li key={error}>{error}</li>
                  ))}
                </ul>
              )}
              {row.action === "update" && row.duplicates.length > 0 && (
                <p className="mt-1 text-xs text-fg-muted">Matches an existing record by e-mail or phone.</p>
              )}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
