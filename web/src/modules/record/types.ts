import type { components } from "@/client/schema";

type Schemas = components["schemas"];

/** The four record types with a record page, named as their API paths are. */
export type RecordObject = "contacts" | "companies" | "leads" | "deals";

export type Contact = Schemas["ContactOut"];
export type Company = Schemas["CompanyOut"];
export type Lead = Schemas["LeadOut"];
export type Deal = Schemas["DealOut"];
export type Activity = Schemas["ActivityOut"];
export type Attachment = Schemas["AttachmentOut"];
export type TimelineEntry = Schemas["TimelineEntry"];
export type SentimentTrend = Schemas["SentimentTrendOut"];
export type Pipeline = Schemas["PipelineOut"];
export type Member = Schemas["MemberOut"];

export type ContactPatch = Schemas["ContactPatch"];
export type CompanyPatch = Schemas["CompanyPatch"];
export type LeadPatch = Schemas["LeadPatch"];
export type DealPatch = Schemas["DealPatch"];

export type PatchOf<O extends RecordObject> = O extends "contacts"
  ? ContactPatch
  : O extends "companies"
    ? CompanyPatch
    : O extends "leads"
      ? LeadPatch
      : DealPatch;

export type RecordOf<O extends RecordObject> = O extends "contacts" ? Contact : O extends "companies" ? Company : O extends "leads" ? Lead : Deal;

/** Singular nouns for messages ("this contact"). */
export const NOUN: Record<RecordObject, string> = { contacts: "contact", companies: "company", leads: "lead", deals: "deal" };
