import { describe, expect, it } from "vitest";
import { defaultChoices, mergeFields } from "./mergeFields";
import type { Contact } from "./queries";

const contact = (over: Partial<Contact>): Contact =>
  ({
    id: "x",
    first_name: "Ana",
    last_name: "Ruiz",
    job_title: null,
    company_id: null,
    company_name: null,
    lifecycle_stage: "lead",
    emails: [],
    phones: [],
    date_of_birth: null,
    address: null,
    tags: [],
    consent_email: false,
    consent_sms: false,
    consent_whatsapp: false,
    ...over,
  }) as Contact;

describe("merge choices", () => {
  it("asks only about differing fields, fills the kept record's gaps and keeps both lists", () => {
    const kept = contact({ emails: ["ana@a.example"], job_title: null });
    const other = contact({ first_name: "Anna", emails: ["ana@b.example"], job_title: "Dentist" });
    expect(defaultChoices(mergeFields("contact"), kept, other)).toEqual({
      first_name: "primary",
      job_title: "duplicate",
      emails: "both",
    });
  });
});
