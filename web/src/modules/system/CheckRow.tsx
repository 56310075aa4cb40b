import { Badge } from "@/components/ui/Badge";
import { checkLabel, checkTone, type CheckResult } from "./readiness";

export function CheckRow({ check }: { check: CheckResult }) {
  return (
    <li data-check={check.name} className="flex items-center justify-between gap-4 px-4 py-3 sm:px-5">
      <div className="min-w-0">
        <p className="font-medium text-fg">{checkLabel(check.name)}</p>
        <p className="truncate font-mono text-xs text-fg-subtle">
          {check.name}
          {check.detail && <span className="font-sans"> — {check.detail}</span>}
        </p>
      </div>
      <Badge tone={checkTone(check.status)} dot data-status={check.status}>
        {check.status}
      </Badge>
    </li>
  );
}
