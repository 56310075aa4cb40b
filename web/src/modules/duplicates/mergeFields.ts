import type { Choice, Company, Contact, DuplicateObject } from "./queries";

/** A field the merge lets the admin choose for; lists may also keep both sides' values. */
export type MergeField = { key: string; label: string; list: boolean; show: (record: Contact | Company) => string };

const text = (value: unknown): string => {
  if (value === null || value === undefined || value === "") return "";
  if (Array.isArray(value)) return value.map(text).join(", ");
  if (typeof value === "object") return Object.values(value as Record<string, unknown>).map(text).filter(Boolean).join(", ");
  if (typeof value === "boolean") return value ? "Yes" : "No";
  if (typeof value === "string" || typeof value === "number") return String(value);
  return JSON.stringify(value);
};
const field = (key: string, label: string, list = false, read: (r: Record<string, unknown>) => unknown = (r) => r[key]): MergeField => ({
  key,
  label,
  list,
  show: (record) => text(read(record)),
});

// The backend's merge fields (crm.dedupe.merge CONTACT_FIELDS / COMPANY_FIELDS), as shown to people.
const contactFields: MergeField[] = [
  field("first_name", "First name"),
  field("last_name", "Last name"),
  field("job_title", "Job title"),
  field("company_id", "Company", false, (r) => r.company_name),
  field("lifecycle_stage", "Lifecycle stage"),
  field("emails", "E-mails", true),
  field("phones", "Phones", true),
  field("date_of_birth", "Date of birth"),
  field("address", "Address"),
  field("tags", "Tags", true),
  field("consent_email", "E-mail consent"),
  field("consent_sms", "SMS consent"),
  field("consent_whatsapp", "WhatsApp consent"),
];
const companyFields: MergeField[] = [
  field("name", "Name"),
  field("domain", "Domain"),
  field("industry", "Industry"),
  field("employee_count", "Employees"),
  field("annual_revenue", "Annual revenue", false, (r) => (r.annual_revenue ? `${text(r.annual_revenue)} ${text(r.currency)}` : "")),
  field("address", "Address"),
  field("tags", "Tags", true),
];

export function mergeFields(objectType: DuplicateObject): MergeField[] {
  return objectType === "contact" ? contactFields : companyFields;
}

/**
 * The starting choice per field, as the server would decide for a field left out: the kept
 * record's value, the other's when the kept one is empty, both for lists. Only fields whose
 * values differ are worth asking about.
 */
export function defaultChoices(fields: readonly MergeField[], kept: Contact | Company, other: Contact | Company): Record<string, Choice> {
  const choices: Record<string, Choice> = {};
  for (const f of fields) {
    const mine = f.show(kept);
    const theirs = f.show(other);
    if (mine === theirs) continue;
    choices[f.key] = f.list ? "both" : mine === "" ? "duplicate" : "primary";
  }
  return choices;
}
