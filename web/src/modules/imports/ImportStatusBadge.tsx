import { Badge } from "@/components/ui/Badge";
import { statusLabels } from "./labels";
import type { ImportStatus } from "./queries";

export function ImportStatusBadge({ status }: { status: ImportStatus }) {
  const { label, tone } = statusLabels[status];
  return (
    <Badge tone={tone} dot>
      {label}
    </Badge>
  );
}
