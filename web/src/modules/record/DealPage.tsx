import { useQuery, useSuspenseQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { Alert } from "@/components/ui/Alert";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Section } from "@/components/ui/Section";
import { can, meQueryOptions } from "@/lib/auth/me";
import { formatDate, formatDateTime } from "@/lib/format";
import { toast } from "@/lib/toast/toast";
import { EMPTY, formatList, formatMoney, formatPercent, humanize, statusTone } from "@/modules/records/format";
import { ActivityComposer } from "./ActivityComposer";
import { Attachments } from "./Attachments";
import { DealContacts } from "./DealContacts";
import { amountText, currencyText, percentText, requiredText, splitList, tagsText } from "./fields";
import { InlineField } from "./InlineField";
import { LostReasonDialog } from "./LostReasonDialog";
import { companyQueryOptions, dealQueryOptions, pipelinesQueryOptions } from "./queries";
import { RecordError, RecordPending } from "./RecordStates";
import { RecordMenu, type RecordMenuItem } from "./RecordMenu";
import { RecordShell } from "./RecordShell";
import { Timeline } from "./Timeline";
import { NextActions } from "./NextActions";
import { VoiceNotes } from "./VoiceNotes";
import { TrashNotice } from "./TrashNotice";
import type { Deal } from "./types";
import { useMembers } from "./useMembers";
import { useRecordSave } from "./useRecordSave";
import { useTrash } from "./useTrash";

export function DealPage({ id }: { id: string }) {
  const deal = useQuery(dealQueryOptions(id));
  if (deal.isPending) return <RecordPending noun="deal" />;
  if (deal.isError) return <RecordError noun="deal" error={deal.error} onRetry={() => void deal.refetch()} />;
  return <DealView deal={deal.data} />;
}

function DealView({ deal }: { deal: Deal }) {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const members = useMembers();
  const { save, conflict, reload } = useRecordSave("deals", deal);
  const trash = useTrash("deals", deal.id);
  const pipelines = useQuery(pipelinesQueryOptions());
  const company = useQuery({ ...companyQueryOptions(deal.company_id ?? ""), enabled: deal.company_id !== null && can(me, "companies:read"), retry: false });
  const [dialog, setDialog] = useState<"won" | "lost" | "trash">();
  const pipeline = pipelines.data?.items.find((p) => p.id === deal.pipeline_id);
  const stage = pipeline?.stages.find((s) => s.id === deal.stage_id);
  const editable = can(me, "deals:update") && !trash.trashed;
  const seesAmounts = can(me, "deal_amounts:read");
  const open = deal.status === "open";
  // Won and lost are set with the buttons (lost needs a reason); the select moves between open stages.
  const stageOptions = (pipeline?.stages ?? []).filter((s) => !s.is_won && !s.is_lost).map((s) => ({ value: s.id, label: s.name }));

  const menu: RecordMenuItem[] = [];
  if (editable && !open) menu.push({ label: "Reopen deal", onSelect: () => void save({ status: "open" }).then(() => toast("The deal is open again.")).catch(() => toast("The deal could not be reopened.", "danger")) });
  if (can(me, "deals:delete") && !trash.trashed) menu.push({ label: "Move to trash", onSelect: () => setDialog("trash"), danger: true, separatorBefore: menu.length > 0 });

  return (
    <>
      <RecordShell
        kind="Deal"
        title={deal.name}
        subtitle={
          <>
            {seesAmounts ? formatMoney(deal.amount, deal.currency) : "Amount hidden"}
            {pipeline ? ` · ${pipeline.name}` : ""}
            {stage ? ` · ${stage.name}` : ""}
          </>
        }
        badges={
          <>
            <Badge tone={statusTone(deal.status)} data-deal-status={deal.status}>
              {humanize(deal.status)}
            </Badge>
            {deal.tags.map((tag) => (
              <Badge key={tag} tone="accent">
                {tag}
              </Badge>
            ))}
          </>
        }
        actions={
          <>
            {editable && open && (
              <>
                <Button variant="secondary" onClick={() => setDialog("won")}>
                  Mark won
                </Button>
                <Button variant="secondary" onClick={() => setDialog("lost")}>
                  Mark lost
                </Button>
              </>
            )}
            <RecordMenu items={menu} />
          </>
        }
        conflict={conflict ? { noun: "deal", onReload: reload } : undefined}
        trashNotice={trash.trashed && <TrashNotice noun="deal" onRestore={trash.restore} canRestore={can(me, "deals:delete")} />}
        main={
          <>
            {deal.status === "won" && <Alert tone="success" title={`Won ${formatDateTime(deal.closed_at)}`} />}
            {deal.status === "lost" && (
              <Alert tone="warning" title={`Lost ${formatDateTime(deal.closed_at)}`}>
                {deal.lost_reason}
              </Alert>
            )}
            {can(me, "activities:create") && !trash.trashed && <ActivityComposer object="deals" id={deal.id} />}
            <Timeline object="deals" id={deal.id} memberName={members.name} />
          </>
        }
        aside={
          <>
            <Section title="Details">
              <dl className="-mx-2 flex flex-col">
                <InlineField label="Name" value={deal.name} display={deal.name} readOnly={!editable} schema={requiredText("deal name")} onSave={(v) => save({ name: v.trim() })} />
                {seesAmounts && (
                  <InlineField label="Amount" value={deal.amount ?? ""} display={formatMoney(deal.amount, deal.currency)} readOnly={!editable} schema={amountText} onSave={(v) => save({ amount: v.trim() === "" ? null : v.trim() })} />
                )}
                <InlineField label="Currency" value={deal.currency} display={deal.currency} readOnly={!editable} schema={currencyText} onSave={(v) => save({ currency: v.trim().toUpperCase() })} />
                {open && stageOptions.length > 0 ? (
                  <InlineField label="Stage" value={deal.stage_id} display={stage?.name ?? EMPTY} options={stageOptions} readOnly={!editable} onSave={(v) => save({ stage_id: v })} />
                ) : (
                  <InlineField label="Stage" value={deal.stage_id} display={stage?.name ?? EMPTY} readOnly onSave={async () => {}} />
                )}
                <InlineField label="Probability" type="number" value={deal.probability?.toString() ?? ""} display={formatPercent(deal.probability)} readOnly={!editable} schema={percentText} onSave={(v) => save({ probability: v.trim() === "" ? null : Number(v) })} />
                <InlineField label="Expected close" type="date" value={deal.expected_close_date ?? ""} display={formatDate(deal.expected_close_date)} readOnly={!editable} onSave={(v) => save({ expected_close_date: v || null })} />
                <InlineField label="Owner" value={deal.owner_id ?? ""} display={members.name(deal.owner_id)} options={members.options} readOnly={!editable} onSave={(v) => save({ owner_id: v || null })} />
                <InlineField label="Tags" value={deal.tags.join(", ")} display={formatList(deal.tags)} readOnly={!editable} schema={tagsText} onSave={(v) => save({ tags: splitList(v) })} />
                <InlineField label="In stage since" value="" display={formatDateTime(deal.stage_entered_at)} readOnly onSave={async () => {}} />
              </dl>
            </Section>
            <Section title="Company">
              {deal.company_id === null ? (
                <p className="text-sm text-fg-subtle">No company on this deal.</p>
              ) : company.data ? (
                <Link to="/companies/$companyId" params={{ companyId: deal.company_id }} className="text-sm font-medium text-accent-fg hover:underline">
                  {company.data.name}
                </Link>
              ) : company.isError || !can(me, "companies:read") ? (
                <p className="text-sm text-fg-subtle">A company you cannot see.</p>
              ) : (
                <p className="text-sm text-fg-subtle">Loading…</p>
              )}
            </Section>
            {can(me, "contacts:read") && <DealContacts ids={deal.contact_ids} />}
            {can(me, "ai:read") && !trash.trashed && <NextActions object="deals" id={deal.id} dealId={deal.id} contactId={deal.contact_ids[0]} />}
            {can(me, "ai:read") && <VoiceNotes object="deals" id={deal.id} canUpload={editable && can(me, "attachments:create")} />}
            <Attachments object="deals" id={deal.id} canUpload={can(me, "attachments:create") && editable} canDelete={can(me, "attachments:delete")} />
          </>
        }
      />
      <ConfirmDialog
        open={dialog === "won"}
        onOpenChange={(o) => setDialog(o ? "won" : undefined)}
        title={`Mark ${deal.name} as won?`}
        description="The deal moves to its pipeline's won stage and counts as closed today."
        confirmLabel="Mark won"
        onConfirm={async () => {
          await save({ status: "won" });
          toast("Deal won. Well done!");
        }}
      />
      <LostReasonDialog
        open={dialog === "lost"}
        onOpenChange={(o) => setDialog(o ? "lost" : undefined)}
        what="this deal"
        onSubmit={async (reason) => {
          await save({ status: "lost", lost_reason: reason });
          toast("Deal marked as lost.");
        }}
      />
      <ConfirmDialog
        open={dialog === "trash"}
        onOpenChange={(o) => setDialog(o ? "trash" : undefined)}
        title={`Move ${deal.name} to the trash?`}
        description="The deal leaves the board, lists and reports. You can restore it from this page."
        confirmLabel="Move to trash"
        destructive
        onConfirm={trash.trash}
      />
    </>
  );
}
