import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { Spinner } from "@/components/ui/Spinner";
import { errorMessage } from "@/lib/forms/apiErrors";
import { formatDateTime } from "@/lib/format";
import { toast } from "@/lib/toast/toast";
import { humanize } from "@/modules/records/format";
import { completeActivity } from "./mutations";
import { recordKeys } from "./queries";
import { SentimentBadge } from "./SentimentBadge";
import { actionVerb, fieldChanges } from "./timeline";
import type { Activity, RecordObject, TimelineEntry } from "./types";

const time = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });
const KIND_ICON: Record<string, string> = { note: "✎", call: "☏", meeting: "◷", email: "✉", task: "☐" };

type Props = {
  entry: TimelineEntry;
  object: RecordObject;
  recordId: string;
  sentiment?: string | undefined;
  memberName: (id: string | null | undefined) => string;
};

export function TimelineItem({ entry, object, recordId, sentiment, memberName }: Props) {
  const at = time.format(new Date(entry.at));
  if (entry.activity) return <ActivityItem activity={entry.activity} at={at} object={object} recordId={recordId} sentiment={sentiment} memberName={memberName} />;
  if (entry.stage_change) {
    const change = entry.stage_change;
    return (
      <li className="flex gap-3 px-4 py-3 sm:px-5" data-timeline-entry="stage_change">
        <Marker symbol="➜" />
        <div className="min-w-0 flex-1 text-sm">
          <p className="text-fg">
            <span className="font-medium">{change.deal_name}</span> moved {change.from_stage ? <>from <span className="font-medium">{change.from_stage}</span> </> : null}
            to <span className="font-medium">{change.to_stage ?? "another stage"}</span>
          </p>
          <p className="text-xs text-fg-subtle">
            {at}
            {change.changed_by ? ` · ${memberName(change.changed_by)}` : ""}
          </p>
        </div>
      </li>
    );
  }
  if (entry.event) {
    // People are stored by id: show their names.
    const rows = fieldChanges(entry.event).map((row) =>
      row.field === "owner_id" ? { ...row, before: row.before === "empty" ? row.before : memberName(row.before), after: row.after === "empty" ? row.after : memberName(row.after) } : row,
    );
    return (
      <li className="flex gap-3 px-4 py-3 sm:px-5" data-timeline-entry="field_change">
        <Marker symbol="≡" />
        <div className="min-w-0 flex-1 text-sm">
          <p className="text-fg">
            {entry.event.actor_id ? memberName(entry.event.actor_id) : humanize(entry.event.actor_type ?? "system")} {actionVerb(entry.event.action)} this record
          </p>
          {rows.length > 0 && (
            <ul className="mt-1 flex flex-col gap-0.5 text-xs text-fg-muted">
              {rows.map((row) => (
                <li key={row.field} className="break-words">
                  <span className="font-medium text-fg">{row.label}</span>
                  {row.hidden ? (
                    " changed (personal data, values hidden)"
                  ) : (
                    <>
                      : <span className="line-through decoration-fg-subtle">{row.before}</span> → <span className="text-fg">{row.after}</span>
                    </>
                  )}
                </li>
              ))}
            </ul>
          )}
          <p className="mt-0.5 text-xs text-fg-subtle">{at}</p>
        </div>
      </li>
    );
  }
  return null;
}

function Marker({ symbol }: { symbol: string }) {
  return (
    <span aria-hidden="true" className="mt-0.5 flex size-7 shrink-0 items-center justify-center rounded-full bg-surface-muted text-sm text-fg-muted">
      {symbol}
    </span>
  );
}

function ActivityItem({ activity, at, object, recordId, sentiment, memberName }: Omit<Props, "entry"> & { activity: Activity; at: string }) {
  const queryClient = useQueryClient();
  const complete = useMutation({
    mutationFn: () => completeActivity(activity.id),
    onSuccess: async () => {
      toast("Task marked as done.");
      await queryClient.invalidateQueries({ queryKey: recordKeys.timeline(object, recordId) });
    },
    onError: (error) => toast(errorMessage(error), "danger"),
  });
  const isOpenTask = activity.kind === "task" && !activity.completed_at;

  return (
    <li className="flex gap-3 px-4 py-3 sm:px-5" data-timeline-entry="activity" data-activity-kind={activity.kind}>
      <Marker symbol={KIND_ICON[activity.kind] ?? "•"} />
      <div className="min-w-0 flex-1 text-sm">
        <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
          <span className="font-medium text-fg">{activity.subject || humanize(activity.kind)}</span>
          <Badge>{humanize(activity.kind)}</Badge>
          {activity.kind === "task" &&
            (activity.completed_at ? (
              <Badge tone="success">Done</Badge>
            ) : activity.overdue ? (
              <Badge tone="danger">Overdue</Badge>
            ) : (
              <Badge tone="warning">Open</Badge>
            ))}
          {sentiment && <SentimentBadge label={sentiment} />}
        </div>
        {activity.body && <p className="mt-1 whitespace-pre-wrap break-words text-fg-muted">{activity.body}</p>}
        <p className="mt-1 text-xs text-fg-subtle">
          {at}
          {activity.owner_id ? ` · ${memberName(activity.owner_id)}` : ""}
          {activity.duration_minutes ? ` · ${activity.duration_minutes} min` : ""}
          {activity.due_at ? ` · due ${formatDateTime(activity.due_at)}` : ""}
          {activity.reminder_at && !activity.completed_at ? ` · reminder ${formatDateTime(activity.reminder_at)}` : ""}
          {activity.completed_at ? ` · done ${formatDateTime(activity.completed_at)}` : ""}
        </p>
      </div>
      {isOpenTask && (
        <Button size="sm" variant="secondary" className="self-start" onClick={() => complete.mutate()} disabled={complete.isPending} aria-busy={complete.isPending}>
          {complete.isPending && <Spinner decorative />}
          Mark done<span className="sr-only">: {activity.subject || "task"}</span>
        </Button>
      )}
    </li>
  );
}
