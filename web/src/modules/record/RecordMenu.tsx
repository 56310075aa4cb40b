import { Button } from "@/components/ui/Button";
import { MenuContent, MenuItem, MenuRoot, MenuSeparator, MenuTrigger } from "@/components/ui/Menu";

export type RecordMenuItem = { label: string; onSelect: () => void; danger?: boolean; separatorBefore?: boolean };

/** The "More" menu of a record page; absent when the user may do none of its actions. */
export function RecordMenu({ items }: { items: readonly RecordMenuItem[] }) {
  if (items.length === 0) return null;
  return (
    <MenuRoot>
      <MenuTrigger asChild>
        <Button variant="secondary" aria-label="More actions">
          More
          <svg aria-hidden="true" viewBox="0 0 16 16" className="size-3.5" fill="none" stroke="currentColor" strokeWidth="1.5">
            <path d="M4 6l4 4 4-4" />
          </svg>
        </Button>
      </MenuTrigger>
      <MenuContent align="end">
        {items.map((item) => (
          <div key={item.label}>
            {item.separatorBefore && <MenuSeparator />}
            <MenuItem danger={item.danger ?? false} onSelect={item.onSelect}>
              {item.label}
            </MenuItem>
          </div>
        ))}
      </MenuContent>
    </MenuRoot>
  );
}
