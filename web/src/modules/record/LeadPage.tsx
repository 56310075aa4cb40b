import { useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { Alert } from "@/components/ui/Alert";
import { Badge } from "@/components/ui/Badge";
import { Button } from "@/components/ui/Button";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Section } from "@/components/ui/Section";
import { can, meQueryOptions } from "@/lib/auth/me";
import { formatDateTime } from "@/lib/format";
import { toast } from "@/lib/toast/toast";
import { EMPTY, formatList, humanize, LEAD_STATUSES, personName, statusTone } from "@/modules/records/format";
import { ActivityComposer } from "./ActivityComposer";
import { Attachments } from "./Attachments";
import { ConvertLeadDialog } from "./ConvertLeadDialog";
import { emailText, optionalText, splitList, tagsText, textOrNull } from "./fields";
import { InlineField } from "./InlineField";
import { LostReasonDialog } from "./LostReasonDialog";
import { leadQueryOptions, recordKeys } from "./queries";
import { RecordError, RecordPending } from "./RecordStates";
import { RecordMenu, type RecordMenuItem } from "./RecordMenu";
import { RecordShell } from "./RecordShell";
import { Timeline } from "./Timeline";
import { VoiceNotes } from "./VoiceNotes";
import { TrashNotice } from "./TrashNotice";
import type { Lead, LeadPatch } from "./types";
import { useMembers } from "./useMembers";
import { useRecordSave } from "./useRecordSave";
import { useTrash } from "./useTrash";

// "lost" needs a reason, so it is set through its own dialog rather than the select.
const statusOptions = LEAD_STATUSES.filter((s) => s !== "lost").map((value) => ({ value, label: humanize(value) }));

export function LeadPage({ id }: { id: string }) {
  const lead = useQuery(leadQueryOptions(id));
  if (lead.isPending) return <RecordPending noun="lead" />;
  if (lead.isError) return <RecordError noun="lead" error={lead.error} onRetry={() => void lead.refetch()} />;
  return <LeadView lead={lead.data} />;
}

function LeadView({ lead }: { lead: Lead }) {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const queryClient = useQueryClient();
  const members = useMembers();
  const { save, conflict, reload } = useRecordSave("leads", lead);
  const trash = useTrash("leads", lead.id);
  const [dialog, setDialog] = useState<"convert" | "lost" | "trash">();
  const name = personName(lead.first_name, lead.last_name);
  const converted = lead.status === "converted";
  const editable = can(me, "leads:update") && !trash.trashed && !converted;
  const canConvert = !converted && !trash.trashed && can(me, "leads:update") && can(me, "contacts:create");

  const menu: RecordMenuItem[] = [];
  if (editable && lead.status !== "lost") menu.push({ label: "Mark as lost…", onSelect: () => setDialog("lost") });
  if (can(me, "leads:delete") && !trash.trashed) menu.push({ label: "Move to trash", onSelect: () => setDialog("trash"), danger: true, separatorBefore: menu.length > 0 });

  return (
    <>
      <RecordShell
        kind="Lead"
        title={name}
        subtitle={[lead.job_title, lead.company_name].filter(Boolean).join(" at ") || undefined}
        badges={
          <>
            <Badge tone={statusTone(lead.status)} data-lead-status={lead.status}>
              {humanize(lead.status)}
            </Badge>
            {lead.score !== null && (
              <Badge tone="accent" title={lead.score_model_version ? `Model ${lead.score_model_version}` : undefined}>
                Score {Math.round(lead.score * 100)}
              </Badge>
            )}
            {lead.source && <Badge>{lead.source}</Badge>}
            {lead.tags.map((tag) => (
              <Badge key={tag} tone="accent">
                {tag}
              </Badge>
            ))}
          </>
        }
        actions={
          <>
            {canConvert && <Button onClick={() => setDialog("convert")}>Convert</Button>}
            <RecordMenu items={menu} />
          </>
        }
        conflict={conflict ? { noun: "lead", onReload: reload } : undefined}
        trashNotice={trash.trashed && <TrashNotice noun="lead" onRestore={trash.restore} canRestore={can(me, "leads:delete")} />}
        main={
          <>
            {converted && (
              <Alert tone="success" title={`Converted ${formatDateTime(lead.converted_at)}`} data-converted>
                <ConvertedLinks lead={lead} />
              </Alert>
            )}
            {lead.status === "lost" && lead.lost_reason && <Alert tone="warning" title="Lost">{lead.lost_reason}</Alert>}
            {can(me, "activities:create") && !trash.trashed && <ActivityComposer object="leads" id={lead.id} />}
            <Timeline object="leads" id={lead.id} memberName={members.name} />
          </>
        }
        aside={
          <>
            <Section title="Details">
              <dl className="-mx-2 flex flex-col">
                <InlineField label="First name" value={lead.first_name} display={lead.first_name || EMPTY} readOnly={!editable} schema={optionalText(100)} onSave={(v) => save({ first_name: v.trim() })} />
                <InlineField label="Last name" value={lead.last_name} display={lead.last_name || EMPTY} readOnly={!editable} schema={optionalText(100)} onSave={(v) => save({ last_name: v.trim() })} />
                <InlineField label="E-mail" type="email" value={lead.email ?? ""} display={lead.email || EMPTY} readOnly={!editable} schema={emailText} onSave={(v) => save({ email: textOrNull(v) })} />
                <InlineField label="Phone" type="tel" value={lead.phone ?? ""} display={lead.phone || EMPTY} readOnly={!editable} schema={optionalText(40)} onSave={(v) => save({ phone: textOrNull(v) })} />
                <InlineField label="Company" value={lead.company_name ?? ""} display={lead.company_name || EMPTY} readOnly={!editable} schema={optionalText(200)} onSave={(v) => save({ company_name: textOrNull(v) })} />
                <InlineField label="Job title" value={lead.job_title ?? ""} display={lead.job_title || EMPTY} readOnly={!editable} schema={optionalText(150)} onSave={(v) => save({ job_title: textOrNull(v) })} />
                <InlineField label="Source" value={lead.source ?? ""} display={lead.source || EMPTY} readOnly={!editable} schema={optionalText(50)} onSave={(v) => save({ source: textOrNull(v) })} />
                <InlineField
                  label="Status"
                  value={lead.status}
                  display={humanize(lead.status)}
                  options={lead.status === "lost" ? [...statusOptions, { value: "lost", label: "Lost" }] : statusOptions}
                  readOnly={!editable}
                  onSave={(v) => save({ status: v as NonNullable<LeadPatch["status"]> })}
                />
                <InlineField label="Owner" value={lead.owner_id ?? ""} display={members.name(lead.owner_id)} options={members.options} readOnly={!editable} onSave={(v) => save({ owner_id: v || null })} />
                <InlineField label="Tags" value={lead.tags.join(", ")} display={formatList(lead.tags)} readOnly={!editable} schema={tagsText} onSave={(v) => save({ tags: splitList(v) })} />
              </dl>
            </Section>
            {lead.score_reasons && lead.score_reasons.length > 0 && (
              <Section title="Why this score">
                <ul className="flex flex-col gap-1 text-sm text-fg-muted">
                  {lead.score_reasons.slice(0, 5).map((reason, index) => (
                    <li key={index}>
                      {typeof reason.impact === "number" && <span aria-hidden="true">{reason.impact >= 0 ? "▲ " : "▼ "}</span>}
                      {typeof reason.description === "string" ? reason.description : humanize(typeof reason.feature === "string" ? reason.feature : "")}
                      {typeof reason.impact === "number" && <span className="sr-only">{reason.impact >= 0 ? " (raises the score)" : " (lowers the score)"}</span>}
                    </li>
                  ))}
                </ul>
              </Section>
            )}
            {can(me, "ai:read") && <VoiceNotes object="leads" id={lead.id} canUpload={!trash.trashed && can(me, "leads:update") && can(me, "attachments:create")} />}
            <Attachments object="leads" id={lead.id} canUpload={can(me, "attachments:create") && can(me, "leads:update") && !trash.trashed} canDelete={can(me, "attachments:delete")} />
          </>
        }
      />
      <ConvertLeadDialog
        lead={lead}
        open={dialog === "convert"}
        onOpenChange={(open) => setDialog(open ? "convert" : undefined)}
        canCreateDeal={can(me, "deals:create")}
        onConverted={(result) => {
          setDialog(undefined);
          queryClient.setQueryData(recordKeys.record("leads", lead.id), result.lead);
          void queryClient.invalidateQueries({ queryKey: recordKeys.timeline("leads", lead.id) });
          toast(result.contact_created ? "Lead converted: a new contact was created." : "Lead converted and linked to an existing contact.");
        }}
      />
      <LostReasonDialog open={dialog === "lost"} onOpenChange={(open) => setDialog(open ? "lost" : undefined)} what="this lead" onSubmit={(reason) => save({ status: "lost", lost_reason: reason })} />
      <ConfirmDialog
        open={dialog === "trash"}
        onOpenChange={(open) => setDialog(open ? "trash" : undefined)}
        title={`Move ${name} to the trash?`}
        description="The lead disappears from lists and search. You can restore it from this page."
        confirmLabel="Move to trash"
        destructive
        onConfirm={trash.trash}
      />
    </>
  );
}

function ConvertedLinks({ lead }: { lead: Lead }) {
  return (
    <ul className="flex flex-wrap gap-x-4 gap-y-1">
      {lead.converted_contact_id && (
        <li>
          <Link to="/contacts/$contactId" params={{ contactId: lead.converted_contact_id }} className="font-medium">
            Open the contact
          </Link>
        </li>
      )}
      {lead.converted_company_id && (
        <li>
          <Link to="/companies/$companyId" params={{ companyId: lead.converted_company_id }} className="font-medium">
            Open the company
          </Link>
        </li>
      )}
      {lead.converted_deal_id && (
        <li>
          <Link to="/deals/$dealId" params={{ dealId: lead.converted_deal_id }} className="font-medium">
            Open the deal
          </Link>
        </li>
      )}
    </ul>
  );
}
