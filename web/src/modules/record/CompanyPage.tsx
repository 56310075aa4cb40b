import { useQuery, useSuspenseQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useMemo, useState } from "react";
import { Badge } from "@/components/ui/Badge";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Section } from "@/components/ui/Section";
import { can, meQueryOptions } from "@/lib/auth/me";
import { EMPTY, formatInteger, formatList, formatMoney, humanize, personName } from "@/modules/records/format";
import { ActivityComposer } from "./ActivityComposer";
import { Attachments } from "./Attachments";
import { amountText, currencyText, integerText, optionalText, requiredText, splitList, tagsText, textOrNull } from "./fields";
import { InlineField } from "./InlineField";
import { companyContactsQueryOptions, companyQueryOptions, dealsOfQueryOptions, sentimentQueryOptions } from "./queries";
import { RecordError, RecordPending } from "./RecordStates";
import { RecordMenu, type RecordMenuItem } from "./RecordMenu";
import { RecordShell } from "./RecordShell";
import { RelatedList } from "./RelatedList";
import { SentimentCard } from "./SentimentCard";
import { Timeline } from "./Timeline";
import { VoiceNotes } from "./VoiceNotes";
import { TrashNotice } from "./TrashNotice";
import type { Company } from "./types";
import { useMembers } from "./useMembers";
import { useRecordSave } from "./useRecordSave";
import { useTrash } from "./useTrash";

export function CompanyPage({ id }: { id: string }) {
  const company = useQuery(companyQueryOptions(id));
  if (company.isPending) return <RecordPending noun="company" />;
  if (company.isError) return <RecordError noun="company" error={company.error} onRetry={() => void company.refetch()} />;
  return <CompanyView company={company.data} />;
}

function CompanyView({ company }: { company: Company }) {
  const { data: me } = useSuspenseQuery(meQueryOptions());
  const members = useMembers();
  const { save, conflict, reload } = useRecordSave("companies", company);
  const trash = useTrash("companies", company.id);
  const contacts = useQuery({ ...companyContactsQueryOptions(company.id), enabled: can(me, "contacts:read") });
  const deals = useQuery({ ...dealsOfQueryOptions("companies", company.id), enabled: can(me, "deals:read") });
  const sentiment = useQuery({ ...sentimentQueryOptions("companies", company.id), enabled: can(me, "ai:read") });
  const sentiments = useMemo(() => new Map((sentiment.data?.recent ?? []).map((r) => [r.activity_id, r.label])), [sentiment.data]);
  const [confirmTrash, setConfirmTrash] = useState(false);
  const editable = can(me, "companies:update") && !trash.trashed;

  const menu: RecordMenuItem[] = [];
  if (can(me, "companies:delete") && !trash.trashed) menu.push({ label: "Move to trash", onSelect: () => setConfirmTrash(true), danger: true });

  return (
    <>
      <RecordShell
        kind="Company"
        title={company.name}
        subtitle={[company.industry, company.domain].filter(Boolean).join(" · ") || undefined}
        badges={company.tags.map((tag) => (
          <Badge key={tag} tone="accent">
            {tag}
          </Badge>
        ))}
        actions={<RecordMenu items={menu} />}
        conflict={conflict ? { noun: "company", onReload: reload } : undefined}
        trashNotice={trash.trashed && <TrashNotice noun="company" onRestore={trash.restore} canRestore={can(me, "companies:delete")} />}
        main={
          <>
            {can(me, "activities:create") && !trash.trashed && <ActivityComposer object="companies" id={company.id} />}
            <Timeline object="companies" id={company.id} sentiments={sentiments} memberName={members.name} />
          </>
        }
        aside={
          <>
            <Section title="Details">
              <dl className="-mx-2 flex flex-col">
                <InlineField label="Name" value={company.name} display={company.name} readOnly={!editable} schema={requiredText("company name")} onSave={(v) => save({ name: v.trim() })} />
                <InlineField label="Domain" value={company.domain ?? ""} display={company.domain || EMPTY} readOnly={!editable} schema={optionalText(253)} onSave={(v) => save({ domain: textOrNull(v) })} />
                <InlineField label="Industry" value={company.industry ?? ""} display={company.industry || EMPTY} readOnly={!editable} schema={optionalText(100)} onSave={(v) => save({ industry: textOrNull(v) })} />
                <InlineField
                  label="Employees"
                  type="number"
                  value={company.employee_count?.toString() ?? ""}
                  display={formatInteger(company.employee_count)}
                  readOnly={!editable}
                  schema={integerText}
                  onSave={(v) => save({ employee_count: v.trim() === "" ? null : Number(v) })}
                />
                <InlineField
                  label="Annual revenue"
                  value={company.annual_revenue ?? ""}
                  display={formatMoney(company.annual_revenue, company.currency)}
                  readOnly={!editable}
                  schema={amountText}
                  onSave={(v) => save({ annual_revenue: v.trim() === "" ? null : v.trim() })}
                />
                <InlineField label="Currency" value={company.currency ?? "EUR"} display={company.currency || EMPTY} readOnly={!editable} schema={currencyText} onSave={(v) => save({ currency: v.trim().toUpperCase() })} />
                <InlineField label="Owner" value={company.owner_id ?? ""} display={members.name(company.owner_id)} options={members.options} readOnly={!editable} onSave={(v) => save({ owner_id: v || null })} />
                <InlineField label="Tags" value={company.tags.join(", ")} display={formatList(company.tags)} readOnly={!editable} schema={tagsText} onSave={(v) => save({ tags: splitList(v) })} />
                <InlineField
                  label="City"
                  value={company.address?.city ?? ""}
                  display={[company.address?.city, company.address?.country].filter(Boolean).join(", ") || EMPTY}
                  readOnly={!editable}
                  schema={optionalText(100)}
                  onSave={(v) => save({ address: { ...(company.address ?? {}), city: textOrNull(v) } })}
                />
              </dl>
            </Section>
            {can(me, "contacts:read") && (
              <RelatedList
                title="Contacts"
                query={contacts}
                empty="No contacts at this company yet."
                keyOf={(contact) => contact.id}
                render={(contact) => (
                  <div className="flex min-w-0 flex-col">
                    <Link to="/contacts/$contactId" params={{ contactId: contact.id }} className="truncate font-medium text-accent-fg hover:underline">
                      {personName(contact.first_name, contact.last_name)}
                    </Link>
                    {contact.job_title && <span className="truncate text-xs text-fg-muted">{contact.job_title}</span>}
                  </div>
                )}
              />
            )}
            {can(me, "deals:read") && (
              <RelatedList
                title="Deals"
                query={deals}
                empty="No deals with this company."
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
            <Attachments object="companies" id={company.id} canUpload={can(me, "attachments:create") && editable} canDelete={can(me, "attachments:delete")} />
            {can(me, "ai:read") && <SentimentCard query={sentiment} stored={company} />}
            {can(me, "ai:read") && <VoiceNotes object="companies" id={company.id} canUpload={editable && can(me, "attachments:create")} />}
          </>
        }
      />
      <ConfirmDialog
        open={confirmTrash}
        onOpenChange={setConfirmTrash}
        title={`Move ${company.name} to the trash?`}
        description="The company disappears from lists and search. Its contacts and deals stay. You can restore it from this page."
        confirmLabel="Move to trash"
        destructive
        onConfirm={trash.trash}
      />
    </>
  );
}
