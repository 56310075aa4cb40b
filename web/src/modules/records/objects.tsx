/**
 * What each record list shows: its columns (with how a cell reads, its sort key and its export
 * column), the fields it filters on, and the names it goes by. Custom-field columns are added at run
 * time from the organisation's definitions (see `customColumns`).
 */
import type { ReactNode } from "react";
import { Badge } from "@/components/ui/Badge";
import {
  ALL_LEAD_STATUSES,
  DEAL_STATUSES,
  EMPTY,
  formatCustomValue,
  formatDate,
  formatDateTime,
  formatMoney,
  formatNumber,
  formatPercent,
  humanize,
  LIFECYCLE_STAGES,
  personName,
  statusTone,
  type CustomFieldDefinition,
} from "./format";
import { LeadScoreCell } from "./LeadScoreCell";
import { SENTIMENT_LABELS, SentimentCell } from "./SentimentCell";
import { customSortable, type FilterField } from "./listQuery";
import type { BaseRow, Company, Contact, Deal, Lead, ObjectKey, ObjectType, RowOf } from "./recordApi";
import { TagList } from "./TagList";

/** Look-ups a cell may need: member and stage names by id. */
export type CellContext = {
  members: ReadonlyMap<string, string>;
  stages: ReadonlyMap<string, string>;
};

export type Column<R = BaseRow> = {
  key: string;
  label: string;
  /** Width in pixels: rows have fixed geometry, so nothing is measured while scrolling. */
  width: number;
  /** The `sort=` value (ascending); absent: not sortable. */
  sort?: string;
  /** Sort descending on the first click (dates, amounts, scores). */
  descendingFirst?: boolean;
  /** The export's column name(s); absent: not exported. */
  export?: string;
  align?: "end";
  render: (row: R, context: CellContext) => ReactNode;
};

export type ObjectConfig = {
  key: ObjectKey;
  objectType: ObjectType;
  singular: string;
  plural: string;
  /** The record page's URL. */
  href: (id: string) => string;
  /** The row's name (first column, selection labels, bulk results). */
  name: (row: BaseRow) => string;
  columns: Column[];
  defaultColumns: string[];
  filters: FilterField[];
};

/** A text cell; "no value" reads as a faint dash. */
const text = (value: string | null | undefined): ReactNode =>
  value && value !== EMPTY ? value : <span className="text-fg-subtle">{EMPTY}</span>;
const owner = <R extends BaseRow>(): Column<R> => ({
  key: "owner_id",
  label: "Owner",
  width: 160,
  export: "owner_id",
  render: (row, context) => text(row.owner_id ? (context.members.get(row.owner_id) ?? "Former member") : ""),
});
const tags = <R extends BaseRow>(): Column<R> => ({
  key: "tags",
  label: "Tags",
  width: 200,
  export: "tags",
  render: (row) => <TagList tags={row.tags} />,
});
const timestamps = <R extends BaseRow>(): Column<R>[] => [
  { key: "created_at", label: "Created", width: 170, sort: "created_at", descendingFirst: true, export: "created_at", render: (row) => formatDateTime(row.created_at) },
  { key: "updated_at", label: "Updated", width: 170, sort: "updated_at", descendingFirst: true, export: "updated_at", render: (row) => formatDateTime(row.updated_at) },
];
const ownerFilter: FilterField = { name: "owner_id", label: "Owner", kind: "uuid", source: "members" };
const tagFilter: FilterField = { name: "tags", label: "Tags", kind: "tags" };
const dateFilters: FilterField[] = [
  { name: "created_at", label: "Created", kind: "datetime" },
  { name: "updated_at", label: "Updated", kind: "datetime" },
];

const sentiment = <R extends Contact | Company>(): Column<R> => ({
  key: "sentiment",
  label: "Sentiment",
  width: 130,
  sort: "sentiment_score",
  render: (row) => <SentimentCell row={row} />,
});
const sentimentFilters: FilterField[] = [
  { name: "sentiment_label", label: "Sentiment", kind: "enum", choices: SENTIMENT_LABELS },
  { name: "sentiment_score", label: "Sentiment score (−1 to 1)", kind: "number" },
];

function badge(value: string | null | undefined): ReactNode {
  if (!value) return text("");
  return <Badge tone={statusTone(value)}>{humanize(value)}</Badge>;
}

/** The column list of one object, with its rows' own type erased (the rows come from its endpoint). */
function columnsOf<R extends BaseRow>(columns: Column<R>[]): Column[] {
  return columns as unknown as Column[];
}

const contactColumns = columnsOf<Contact>([
  { key: "name", label: "Name", width: 220, sort: "name", export: "name", render: (row) => personName(row.first_name, row.last_name) },
  { key: "company_name", label: "Company", width: 190, export: "company_name", render: (row) => text(row.company_name) },
  { key: "job_title", label: "Job title", width: 180, export: "job_title", render: (row) => text(row.job_title) },
  { key: "lifecycle_stage", label: "Stage", width: 130, export: "lifecycle_stage", render: (row) => badge(row.lifecycle_stage) },
  { key: "emails", label: "E-mail", width: 230, export: "emails", render: (row) => text(row.emails[0]) },
  { key: "phones", label: "Phone", width: 160, export: "phones", render: (row) => text(row.phones[0]) },
  owner<Contact>(),
  tags<Contact>(),
  sentiment<Contact>(),
  { key: "consent_email", label: "E-mail consent", width: 130, export: "consent_email", render: (row) => (row.consent_email ? "Yes" : "No") },
  ...timestamps<Contact>(),
]);

const companyColumns = columnsOf<Company>([
  { key: "name", label: "Name", width: 220, sort: "name", export: "name", render: (row) => row.name },
  { key: "domain", label: "Domain", width: 190, export: "domain", render: (row) => text(row.domain) },
  { key: "industry", label: "Industry", width: 160, export: "industry", render: (row) => text(row.industry) },
  { key: "employee_count", label: "Employees", width: 120, sort: "employee_count", descendingFirst: true, export: "employee_count", align: "end", render: (row) => text(formatNumber(row.employee_count)) },
  { key: "annual_revenue", label: "Revenue", width: 150, sort: "annual_revenue", descendingFirst: true, export: "annual_revenue", align: "end", render: (row) => text(formatMoney(row.annual_revenue, row.currency)) },
  sentiment<Company>(),
  owner<Company>(),
  tags<Company>(),
  ...timestamps<Company>(),
]);

const leadColumns = columnsOf<Lead>([
  { key: "name", label: "Name", width: 210, sort: "name", export: "name", render: (row) => personName(row.first_name, row.last_name) },
  { key: "score", label: "Score", width: 100, sort: "score", descendingFirst: true, export: "score", render: (row) => <LeadScoreCell lead={row} /> },
  { key: "company_name", label: "Company", width: 190, export: "company_name", render: (row) => text(row.company_name) },
  { key: "job_title", label: "Job title", width: 170, export: "job_title", render: (row) => text(row.job_title) },
  { key: "status", label: "Status", width: 120, export: "status", render: (row) => badge(row.status) },
  { key: "source", label: "Source", width: 140, export: "source", render: (row) => text(humanize(row.source)) },
  { key: "email", label: "E-mail", width: 220, export: "email", render: (row) => text(row.email) },
  { key: "phone", label: "Phone", width: 160, export: "phone", render: (row) => text(row.phone) },
  owner<Lead>(),
  tags<Lead>(),
  ...timestamps<Lead>(),
]);

const dealColumns = columnsOf<Deal>([
  { key: "name", label: "Name", width: 240, sort: "name", export: "name", render: (row) => row.name },
  { key: "amount", label: "Amount", width: 140, sort: "amount", descendingFirst: true, export: "amount", align: "end", render: (row) => text(formatMoney(row.amount, row.currency)) },
  { key: "stage_id", label: "Stage", width: 160, export: "stage_id", render: (row, context) => text(context.stages.get(row.stage_id)) },
  { key: "status", label: "Status", width: 100, export: "status", render: (row) => badge(row.status) },
  { key: "probability", label: "Probability", width: 110, sort: "probability", descendingFirst: true, export: "probability", align: "end", render: (row) => text(formatPercent(row.probability)) },
  { key: "expected_close_date", label: "Expected close", width: 140, sort: "expected_close_date", export: "expected_close_date", render: (row) => text(formatDate(row.expected_close_date)) },
  { key: "closed_at", label: "Closed", width: 140, sort: "closed_at", descendingFirst: true, export: "closed_at", render: (row) => text(formatDate(row.closed_at)) },
  owner<Deal>(),
  tags<Deal>(),
  ...timestamps<Deal>(),
]);

export const OBJECTS: Record<ObjectKey, ObjectConfig> = {
  contacts: {
    key: "contacts",
    objectType: "contact",
    singular: "contact",
    plural: "contacts",
    href: (id) => `/contacts/${id}`,
    name: (row) => personName((row as Contact).first_name, (row as Contact).last_name),
    columns: contactColumns,
    defaultColumns: ["name", "company_name", "job_title", "lifecycle_stage", "emails", "owner_id", "tags", "updated_at"],
    filters: [
      { name: "name", label: "Name", kind: "text" },
      { name: "company_name", label: "Company", kind: "text" },
      { name: "job_title", label: "Job title", kind: "text" },
      { name: "lifecycle_stage", label: "Stage", kind: "enum", choices: LIFECYCLE_STAGES },
      ownerFilter,
      tagFilter,
      { name: "email", label: "E-mail (exact)", kind: "encrypted" },
      { name: "phone", label: "Phone (exact)", kind: "encrypted" },
      { name: "consent_email", label: "E-mail consent", kind: "boolean" },
      { name: "consent_sms", label: "SMS consent", kind: "boolean" },
      { name: "consent_whatsapp", label: "WhatsApp consent", kind: "boolean" },
      ...sentimentFilters,
      ...dateFilters,
    ],
  },
  companies: {
    key: "companies",
    objectType: "company",
    singular: "company",
    plural: "companies",
    href: (id) => `/companies/${id}`,
    name: (row) => (row as Company).name,
    columns: companyColumns,
    defaultColumns: ["name", "domain", "industry", "employee_count", "annual_revenue", "owner_id", "tags", "updated_at"],
    filters: [
      { name: "name", label: "Name", kind: "text" },
      { name: "domain", label: "Domain", kind: "text" },
      { name: "industry", label: "Industry", kind: "text" },
      { name: "employee_count", label: "Employees", kind: "number" },
      { name: "annual_revenue", label: "Revenue", kind: "number" },
      ownerFilter,
      tagFilter,
      ...sentimentFilters,
      ...dateFilters,
    ],
  },
  leads: {
    key: "leads",
    objectType: "lead",
    singular: "lead",
    plural: "leads",
    href: (id) => `/leads/${id}`,
    name: (row) => personName((row as Lead).first_name, (row as Lead).last_name),
    columns: leadColumns,
    defaultColumns: ["name", "score", "company_name", "status", "source", "owner_id", "tags", "updated_at"],
    filters: [
      { name: "name", label: "Name", kind: "text" },
      { name: "company_name", label: "Company", kind: "text" },
      { name: "job_title", label: "Job title", kind: "text" },
      { name: "source", label: "Source", kind: "text" },
      { name: "status", label: "Status", kind: "enum", choices: ALL_LEAD_STATUSES },
      { name: "score", label: "Score (0–1)", kind: "number" },
      ownerFilter,
      tagFilter,
      { name: "email", label: "E-mail (exact)", kind: "encrypted" },
      { name: "phone", label: "Phone (exact)", kind: "encrypted" },
      ...dateFilters,
    ],
  },
  deals: {
    key: "deals",
    objectType: "deal",
    singular: "deal",
    plural: "deals",
    href: (id) => `/deals/${id}`,
    name: (row) => (row as Deal).name,
    columns: dealColumns,
    defaultColumns: ["name", "amount", "stage_id", "status", "expected_close_date", "owner_id", "tags", "updated_at"],
    filters: [
      { name: "name", label: "Name", kind: "text" },
      { name: "status", label: "Status", kind: "enum", choices: DEAL_STATUSES },
      { name: "pipeline_id", label: "Pipeline", kind: "uuid", source: "pipelines" },
      { name: "stage_id", label: "Stage", kind: "uuid", source: "stages" },
      { name: "amount", label: "Amount", kind: "number" },
      { name: "probability", label: "Probability (%)", kind: "number" },
      { name: "expected_close_date", label: "Expected close", kind: "date" },
      ownerFilter,
      tagFilter,
      ...dateFilters,
    ],
  },
};

/** Columns for the organisation's custom fields of an object. */
export function customColumns(definitions: readonly CustomFieldDefinition[]): Column[] {
  return definitions.map((definition) => {
    const key = `cf.${definition.key}`;
    const numeric = definition.field_type === "number" || definition.field_type === "currency";
    return {
      key,
      label: definition.label,
      width: definition.field_type === "multiselect" || definition.field_type === "text" ? 200 : 150,
      ...(customSortable(definition) ? { sort: key } : {}),
      ...(numeric || definition.field_type === "date" ? { descendingFirst: true } : {}),
      ...(numeric ? { align: "end" as const } : {}),
      export: key,
      render: (row: BaseRow) => text(formatCustomValue(definition, row.custom_fields[definition.key])),
    };
  });
}

export type { RowOf };
