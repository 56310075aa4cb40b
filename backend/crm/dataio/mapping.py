"""Column mapping for contact imports: the fields a column can fill, and suggestions from header names.

Header names are compared in a normal form (lower case letters and digits only, with a
leading "person", "contact" or "primary" dropped), so "E-mail Address", "Email",
"Person - Email - Work" and "email_address" all land on the same field. The names cover
the usual exports of HubSpot, Salesforce, Pipedrive, Zoho, Outlook and Google contacts,
and this CRM's own export (so an export re-imports as is).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from crm.core.errors import BadRequest
from crm.models import CustomFieldDefinition

SINGLE_TARGETS = (
    "first_name",
    "last_name",
    "full_name",
    "job_title",
    "company_name",
    "lifecycle_stage",
    "date_of_birth",
    "address.street",
    "address.city",
    "address.postal_code",
    "address.region",
    "address.country",
    "owner",
    "consent_email",
    "email_opt_out",
    "consent_sms",
    "consent_whatsapp",
)
# Several columns may feed these (Email, Email 2, Work Email …); values are collected in order.
MULTI_TARGETS = ("email", "phone", "tags")
TARGET_DOC = {
    "first_name": "first name",
    "last_name": "last name",
    "full_name": "whole name, split at the last space (fills first/last name when they are empty)",
    "job_title": "job title",
    "company_name": "company name (linked to an existing company of that exact name)",
    "lifecycle_stage": "lifecycle stage (HubSpot stages are understood)",
    "date_of_birth": "date of birth (YYYY-MM-DD, DD.MM.YYYY, or an unambiguous D/M/Y or M/D/Y)",
    "address.street": "street",
    "address.city": "city",
    "address.postal_code": "postal code",
    "address.region": "state / region",
    "address.country": "country",
    "owner": "owner: a member's e-mail address or full name (default: you)",
    "consent_email": "e-mail consent (yes/no, true/false, 1/0)",
    "email_opt_out": "e-mail opt-out (the inverse of consent)",
    "consent_sms": "SMS consent",
    "consent_whatsapp": "WhatsApp consent",
    "email": "e-mail address(es); several columns, or several addresses separated by ; or ,",
    "phone": "phone number(s); several columns, or several numbers separated by ; or ,",
    "tags": "tags separated by ; , or |",
}

_EXACT: dict[str, tuple[str, ...]] = {
    "first_name": ("firstname", "givenname", "forename", "first", "fname", "vorname", "prenom"),
    "last_name": ("lastname", "surname", "familyname", "last", "lname", "nachname"),
    "full_name": ("name", "fullname", "displayname", "personname", "contactname", "patientname"),
    "job_title": ("jobtitle", "title", "position", "role", "designation", "occupation", "jobrole"),
    "company_name": (
        "company",
        "companyname",
        "account",
        "accountname",
        "organization",
        "organisation",
        "organizationname",
        "organisationname",
        "org",
        "employer",
        "business",
        "businessname",
    ),
    "lifecycle_stage": ("lifecyclestage", "lifecycle", "stage"),
    "date_of_birth": ("dateofbirth", "birthdate", "birthday", "dob"),
    "address.street": (
        "street",
        "streetaddress",
        "address",
        "address1",
        "addressline1",
        "mailingstreet",
        "addressstreet",
        "businessstreet",
        "homestreet",
    ),
    "address.city": ("city", "town", "mailingcity", "addresscity", "businesscity", "homecity"),
    "address.postal_code": (
        "zip",
        "zipcode",
        "postalcode",
        "postcode",
        "zippostalcode",
        "mailingzippostalcode",
        "mailingpostalcode",
        "addresspostalcode",
        "businesspostalcode",
        "homepostalcode",
    ),
    "address.region": (
        "state",
        "region",
        "province",
        "county",
        "stateregion",
        "stateprovince",
        "mailingstate",
        "mailingstateprovince",
        "addressregion",
        "businessstate",
        "homestate",
    ),
    "address.country": (
        "country",
        "countryregion",
        "mailingcountry",
        "addresscountry",
        "businesscountryregion",
        "homecountryregion",
    ),
    "tags": ("tags", "tag", "labels", "label", "categories", "category"),
    "owner": ("owner", "ownername", "owneremail", "assignedto", "accountowner", "recordowner", "salesrep"),
    "consent_email": ("consentemail", "emailconsent", "emailoptin", "marketingemailconsent", "subscribed"),
    "email_opt_out": (
        "emailoptout",
        "hasoptedoutofemail",
        "unsubscribed",
        "donotemail",
        "unsubscribedfromemails",
    ),
    "consent_sms": ("consentsms", "smsconsent", "smsoptin", "textoptin"),
    "consent_whatsapp": ("consentwhatsapp", "whatsappconsent", "whatsappoptin"),
    "email": ("emails", "email", "emailaddress", "mail"),
    "phone": ("phones", "phone", "telephone", "tel", "mobile", "cell"),
}
_DROP = ("person", "contact", "lead", "primary", "main", "cf")
_WORDS = re.compile(r"[a-z0-9]+")


def normal(header: str) -> str:
    words = _WORDS.findall(header.lower().replace("e-mail", "email"))
    while len(words) > 1 and words[0] in _DROP:
        words = words[1:]
    return "".join(words)


def _by_keyword(key: str) -> str | None:
    if "opt" in key or "consent" in key or "subscri" in key:
        return None
    if "email" in key or key.endswith("mail"):
        return "email"
    if any(word in key for word in ("phone", "mobile", "cell", "telephone", "whatsapp")):
        return "phone"
    return None


@dataclass(frozen=True)
class Vocabulary:
    """What the columns of one kind of import can fill, and the header names that suggest each."""

    single: tuple[str, ...]
    multi: tuple[str, ...]
    doc: Mapping[str, str]
    exact: Mapping[str, tuple[str, ...]]
    identity: frozenset[str]  # a mapping must fill one of these (a record needs some identity)
    by_key: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        by_key = {key: target for target, keys in self.exact.items() for key in keys}
        object.__setattr__(self, "by_key", by_key)


CONTACTS = Vocabulary(
    SINGLE_TARGETS,
    MULTI_TARGETS,
    TARGET_DOC,
    _EXACT,
    frozenset({"first_name", "last_name", "full_name", "email", "phone"}),
)


def suggest(
    headers: Sequence[str],
    definitions: Mapping[str, CustomFieldDefinition],
    vocabulary: Vocabulary = CONTACTS,
) -> dict[str, str | None]:
    """A target per header (None: not imported). A single-value target is given once, to the first."""
    custom = {}
    for key, definition in definitions.items():
        custom[normal(key)] = f"cf.{key}"
        custom.setdefault(normal(definition.label), f"cf.{key}")
    taken: set[str] = set()
    mapping: dict[str, str | None] = {}
    for header in headers:
        key = normal(header)
        target = vocabulary.by_key.get(key) or custom.get(key) or _by_keyword(key)
        known = target is None or target.startswith("cf.") or target in vocabulary.single
        if not known and target not in vocabulary.multi:
            target = None  # a keyword guess this kind of record has no field for
        if target in taken:
            target = None
        if target is not None and target not in vocabulary.multi:
            taken.add(target)
        mapping[header] = target
    return mapping


def check(
    mapping: Mapping[str, str | None],
    headers: Sequence[str],
    definitions: Mapping[str, CustomFieldDefinition],
    vocabulary: Vocabulary = CONTACTS,
) -> dict[str, str]:
    """The mapping to store (header -> target), or 400 naming the first problem."""
    unknown_headers = [h for h in mapping if h not in headers]
    if unknown_headers:
        raise BadRequest(f"no column named {unknown_headers[0][:80]!r} in the file", code="invalid_mapping")
    valid = set(vocabulary.single) | set(vocabulary.multi) | {f"cf.{key}" for key in definitions}
    used: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    for header, target in mapping.items():
        if not target:
            continue
        if target not in valid:
            raise BadRequest(f"column {header[:80]!r}: unknown field {target[:80]!r}", code="invalid_mapping")
        if target in used and target not in vocabulary.multi:
            raise BadRequest(
                f"columns {used[target][:80]!r} and {header[:80]!r} both fill {target}",
                code="invalid_mapping",
            )
        used[target] = header
        cleaned[header] = target
    return cleaned


def can_identify(mapping: Mapping[str, str], vocabulary: Vocabulary = CONTACTS) -> bool:
    """A record needs some identity (a contact: a name, an e-mail or a phone): the mapping must
    be able to give one."""
    return bool(vocabulary.identity & set(mapping.values()))
