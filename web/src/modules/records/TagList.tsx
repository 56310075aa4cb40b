import { memo } from "react";
import { EMPTY } from "./format";

/** Tags in one line; those that do not fit are clipped (the full list is the title). */
export const TagList = memo(function TagList({ tags }: { tags: readonly string[] }) {
  if (tags.length === 0) return <span className="text-fg-subtle">{EMPTY}</span>;
  return (
    <span className="flex min-w-0 gap-1 overflow-hidden" title={tags.join(", ")}>
      {tags.map((tag) => (
        <span key={tag} className="shrink-0 rounded bg-surface-muted px-1.5 py-0.5 text-xs text-fg-muted">
          {tag}
        </span>
      ))}
    </span>
  );
});
