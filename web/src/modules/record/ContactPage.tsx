import { useQuery, useSuspenseQuery } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { useMemo, useState } from "react";
import { Badge } from "@/components/ui/Badge";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Section } from "@/components/ui/Section";
import { api, unwrap } from "@/lib/api/client";
import { can, meQueryOptions } from "@/lib/auth/me";
import { formatDate } from "@/lib/format";
import { toast } from "@/lib/toast/toast";
import { EMPTY, formatList, formatMoney, humanize, LIFECYCLE_STAGES, personName, statusTone } from "@/modules/records/format";
import { ActivityComposer } from "./ActivityComposer";
import { Attachments } from "./Attachments";
import { emailText, optionalText, splitList, tagsText, textOrNull } from "./fields";
import { InlineField } from "./InlineField";
import { contactQueryOptions, dealsOfQueryOptions, sentimentQueryOptions } from "./queries";
import { RecordError, RecordPending } from "./RecordStates";
import { RecordMenu, type RecordMenuItem } from "./RecordMenu";
import { RecordShell } from "./RecordShell";
import { RelatedList } from "./RelatedList";
import { SentimentCard } from "./SentimentCard";
import { Timeline } from "./Timeline";
import { NextActions } from "./NextActions";
import { VoiceNotes } from "./VoiceNotes";
import { TrashNotice } from "./TrashNotice";
import type { Contact, ContactPatch } from "./types";
import { useMembers } from "./useMembers";
import { useRecordSave } from "./useRecordSave";
import { useTrash } from "./useTrash";

const stageOptions = LIFECYCLE_STAGES.map((value) => ({ value, label: humanize(value) }));

export function ContactPage({ id }: { id: string }) {
  const contact = useQuery(contactQueryOptions(id));
  if (contact.isPending) return <RecordPending noun="contact" />;
  if (contact.isError) return <RecordError noun="contact" error={contact.error} onRetry={() => void contact.refetch()} />;
  return <ContactView contact={contact.data} />;
}

function ContactView({ contact }: { contact: Contact }) {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const navigate = useNavigate();
  const members = useMembers();
  const { save, conflict, reload } = useRecordSave("contacts", contact);
  const trash = useTrash("contacts", contact.id);
  const deals = useQuery({ ...dealsOfQueryOptions("contacts", contact.id), enabled: can(me, "deals:read") });
  const sentiment = useQuery({ ...sentimentQueryOptions("contacts", contact.id), enabled: can(me, "ai:read") });
  const sentiments = useMemo(() => new Map((sentiment.data?.recent ?? []).map((r) => [r.activity_id, r.label])), [sentiment.data]);
  const [confirm, setConfirm] = useState<"trash" | "erase">();
  const name = personName(contact.first_name, contact.last_name);
  const editable = can(me, "contacts:update") && !trash.trashed;

  const exportGdpr = async () => {
    const data = await unwrap(api.GET("/api/v1/contacts/{contact_id}/gdpr-export", { params: { path: { contact_id: contact.id } } }));
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = `gdpr-export-${contact.id}.json`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    toast("The personal data export was downloaded.");
  };

  const menu: RecordMenuItem[] = [];
  if (can(me, "gdpr:export")) menu.push({ label: "Export personal data (GDPR)", onSelect: () => void exportGdpr().catch(() => toast("The export failed. Try again.", "danger")) });
  if (can(me, "contacts:delete") && !trash.trashed) menu.push({ label: "Move to trash", onSelect: () => setConfirm("trash"), danger: true, separatorBefore: menu.length > 0 });
  if (can(me, "gdpr:export") && can(me, "contacts:delete")) menu.push({ label: "Erase permanently (GDPR)", onSelect: () => setConfirm("erase"), danger: true });

  const [primaryEmail = "", ...otherEmails] = contact.emails;
  const [primaryPhone = "", ...otherPhones] = contact.phones;

  return (
    <>
      <RecordShell
        kind="Contact"
        title={name}
        subtitle={
          <>
            {contact.job_title}
            {contact.job_title && contact.company_id ? " at " : ""}
            {contact.company_id && (
              <Link to="/companies/$companyId" params={{ companyId: contact.company_id }} className="font-medium text-accent-fg hover:underline">
                {contact.company_name ?? "their company"}
              </Link>
            )}
          </>
        }
        badges={
          <>
            <Badge tone={statusTone(contact.lifecycle_stage)}>{humanize(contact.lifecycle_stage)}</Badge>
            {contact.tags.map((tag) => (
              <Badge key={tag} tone="accent">
                {tag}
              </Badge>
            ))}
          </>
        }
        actions={<RecordMenu items={menu} />}
        conflict={conflict ? { noun: "contact", onReload: reload } : undefined}
        trashNotice={trash.trashed && <TrashNotice noun="contact" onRestore={trash.restore} canRestore={can(me, "contacts:delete")} />}
        main={
          <>
            {can(me, "activities:create") && !trash.trashed && <ActivityComposer object="contacts" id={contact.id} />}
            <Timeline object="contacts" id={contact.id} sentiments={sentiments} memberName={members.name} />
          </>
        }
        aside={
          <>
            <Section title="Details">
              <dl className="-mx-2 flex flex-col">
                <InlineField label="First name" value={contact.first_name} display={contact.first_name || EMPTY} readOnly={!editable} schema={optionalText(100)} onSave={(v) => save({ first_name: v.trim() })} />
                <InlineField label="Last name" value={contact.last_name} display={contact.last_name || EMPTY} readOnly={!editable} schema={optionalText(100)} onSave={(v) => save({ last_name: v.trim() })} />
                <InlineField label="Job title" value={contact.job_title ?? ""} display={contact.job_title || EMPTY} readOnly={!editable} schema={optionalText(150)} onSave={(v) => save({ job_title: textOrNull(v) })} />
                <InlineField
                  label="E-mail"
                  type="email"
                  value={primaryEmail}
                  display={primaryEmail || EMPTY}
                  readOnly={!editable}
                  schema={emailText}
                  onSave={(v) => save({ emails: [v.trim(), ...otherEmails].filter(Boolean) })}
                />
                {otherEmails.length > 0 && <InlineField label="Other e-mails" value="" display={formatList(otherEmails)} readOnly onSave={async () => {}} />}
                <InlineField label="Phone" type="tel" value={primaryPhone} display={primaryPhone || EMPTY} readOnly={!editable} schema={optionalText(40)} onSave={(v) => save({ phones: [v.trim(), ...otherPhones].filter(Boolean) })} />
                <InlineField label="Lifecycle stage" value={contact.lifecycle_stage} display={humanize(contact.lifecycle_stage)} options={stageOptions} readOnly={!editable} onSave={(v) => save({ lifecycle_stage: v as NonNullable<ContactPatch["lifecycle_stage"]> })} />
                <InlineField label="Owner" value={contact.owner_id ?? ""} display={members.name(contact.owner_id)} options={members.options} readOnly={!editable} onSave={(v) => save({ owner_id: v || null })} />
                <InlineField label="Date of birth" type="date" value={contact.date_of_birth ?? ""} display={formatDate(contact.date_of_birth)} readOnly={!editable} onSave={(v) => save({ date_of_birth: v || null })} />
                <InlineField label="Tags" value={contact.tags.join(", ")} display={formatList(contact.tags)} readOnly={!editable} schema={tagsText} onSave={(v) => save({ tags: splitList(v) })} />
                <InlineField
                  label="City"
                  value={contact.address?.city ?? ""}
                  display={[contact.address?.city, contact.address?.country].filter(Boolean).join(", ") || EMPTY}
                  readOnly={!editable}
                  schema={optionalText(100)}
                  onSave={(v) => save({ address: { ...(contact.address ?? {}), city: textOrNull(v) } })}
                />
                <InlineField label="E-mail consent" value={contact.consent_email ? "yes" : "no"} display={contact.consent_email ? "Yes" : "No"} options={consentOptions} readOnly={!editable} onSave={(v) => save({ consent_email: v === "yes" })} />
              </dl>
            </Section>
            {can(me, "deals:read") && (
              <RelatedList
                title="Deals"
                query={deals}
                empty="No deals with this contact."
                keyOf={(deal) => deal.id}
                render={(deal) => (
                  <div className="flex items-center justify-between gap-2">
                    <Link to="/deals/$dealId" params={{ dealId: deal.id }} className="min-w-0 truncate font-medium text-accent-fg hover:underline">
                      {deal.name}
                    </Link>
                    <span className="shrink-0 text-xs text-fg-muted">
                      {formatMoney(deal.amount, deal.currency)} · {humanize(deal.status)}
                    </span>
                  </div>
                )}
              />
            )}
            <Attachments object="contacts" id={contact.id} canUpload={can(me, "attachments:create") && editable} canDelete={can(me, "attachments:delete")} />
            {can(me, "ai:read") && <SentimentCard query={sentiment} stored={contact} />}
            {can(me, "ai:read") && !trash.trashed && <NextActions object="contacts" id={contact.id} contactId={contact.id} />}
            {can(me, "ai:read") && <VoiceNotes object="contacts" id={contact.id} canUpload={editable && can(me, "attachments:create")} />}
          </>
        }
      />
      <ConfirmDialog
        open={confirm === "trash"}
        onOpenChange={(open) => !open && setConfirm(undefined)}
        title={`Move ${name} to the trash?`}
        description="The contact disappears from lists and search. You can restore it from this page."
        confirmLabel="Move to trash"
        destructive
        onConfirm={trash.trash}
      />
      <ConfirmDialog
        open={confirm === "erase"}
        onOpenChange={(open) => !open && setConfirm(undefined)}
        title={`Erase ${name} permanently?`}
        description="GDPR erasure deletes this person, their activities' links and their files for good. Only the audit record that it happened remains. This cannot be undone."
        confirmLabel="Erase permanently"
        destructive
        onConfirm={async () => {
          await unwrap(api.DELETE("/api/v1/contacts/{contact_id}/erase", { params: { path: { contact_id: contact.id } } }));
          toast(`${name} was erased.`);
          await navigate({ to: "/" });
        }}
      />
    </>
  );
}

const consentOptions = [
  { value: "yes", label: "Yes" },
  { value: "no", label: "No" },
];
