"""Lead imports: the fields a column can fill, their header names, and one CSV row to one lead draft.

A lead holds one e-mail and one phone (encrypted, with the contacts' blind-index purposes, so
dedupe and a later conversion find the same person). Statuses from other CRMs are understood
(Salesforce "Open - Not Contacted", "Working - Contacted", "Closed - Not Converted" …); a
converted lead is not imported as a lead (its conversion created records this CRM does not have).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from crm.core.errors import AppError
from crm.core.security.crypto import OrgCipher
from crm.customfield import values as custom_values
from crm.dataio.csvfile import BAD_BYTES
from crm.dataio.mapping import Vocabulary
from crm.dataio.rows import Handler, RowInvalid, _custom_value, _limited, _tags
from crm.models import CustomFieldDefinition

LIMITS = {"first_name": 100, "last_name": 100, "job_title": 150, "company_name": 200, "source": 50}
LOST_REASON_LIMIT = 200

SINGLE = (
    "first_name",
    "last_name",
    "full_name",
    "company_name",
    "job_title",
    "email",
    "phone",
    "source",
    "status",
    "lost_reason",
    "owner",
)
MULTI = ("tags",)
DOC = {
    "first_name": "first name",
    "last_name": "last name",
    "full_name": "whole name, split at the last space (fills first/last name when they are empty)",
    "company_name": "company name",
    "job_title": "job title",
    "email": "e-mail address (one per lead)",
    "phone": "phone number (one per lead)",
    "source": "lead source (web form, referral, trade show …)",
    "status": "status: new, contacted, qualified or lost (Salesforce and HubSpot statuses are understood)",
    "lost_reason": "why the lead was lost (required when the status is lost)",
    "owner": "owner: a member's e-mail address or full name (default: you)",
    "tags": "tags separated by ; , or |",
}
EXACT: dict[str, tuple[str, ...]] = {
    "first_name": ("firstname", "givenname", "forename", "first", "fname"),
    "last_name": ("lastname", "surname", "familyname", "last", "lname"),
    "full_name": ("name", "fullname", "leadname", "displayname", "contactname"),
    "company_name": (
        "company",
        "companyname",
        "account",
        "accountname",
        "organization",
        "organisation",
        "organizationname",
        "organisationname",
        "business",
        "employer",
    ),
    "job_title": ("title", "jobtitle", "position", "role", "designation"),
    "email": ("email", "emailaddress", "mail", "workemail"),
    "phone": ("phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone", "cell", "workphone"),
    "source": ("source", "leadsource", "origin", "channel", "originalsource", "utmsource"),
    "status": ("status", "leadstatus", "stage", "leadstage"),
    "lost_reason": ("lostreason", "reasonlost", "disqualificationreason", "unqualifiedreason", "reason"),
    "owner": ("owner", "ownername", "owneremail", "assignedto", "leadowner", "salesrep", "recordowner"),
    "tags": ("tags", "tag", "labels", "label", "categories", "category"),
}
IDENTITY = frozenset({"first_name", "last_name", "full_name", "email", "phone", "company_name"})
LEADS = Vocabulary(SINGLE, MULTI, DOC, EXACT, IDENTITY)

_STATUS: dict[str, str] = {
    "new": "new",
    "open": "new",
    "opennotcontacted": "new",
    "notcontacted": "new",
    "contacted": "contacted",
    "workingcontacted": "contacted",
    "working": "contacted",
    "attemptedtocontact": "contacted",
    "inprogress": "contacted",
    "connected": "contacted",
    "qualified": "qualified",
    "salesqualified": "qualified",
    "marketingqualified": "qualified",
    "openqualified": "qualified",
    "lost": "lost",
    "unqualified": "lost",
    "disqualified": "lost",
    "closednotconverted": "lost",
    "closedlost": "lost",
    "baddata": "lost",
    "badtiming": "lost",
}
_CONVERTED = frozenset({"converted", "closedconverted"})


@dataclass(slots=True)
class LeadDraft:
    """A validated lead row: plain values, and the e-mail/phone with their blind indexes."""

    row: int
    first_name: str = ""
    last_name: str = ""
    job_title: str | None = None
    company_name: str | None = None
    email: str | None = None
    email_index: bytes | None = None
    phone: str | None = None
    phone_index: bytes | None = None
    source: str | None = None
    status: str | None = None
    lost_reason: str | None = None
    tags: list[str] = field(default_factory=list)
    owner_id: uuid.UUID | None = None
    custom: dict[str, Any] = field(default_factory=dict)
    present: set[str] = field(default_factory=set)
    id: uuid.UUID | None = None

    def keys(self) -> list[tuple[str, bytes]]:
        """What identifies this lead for dedupe: its e-mail, then its phone (blind indexes)."""
        keys = [("email", self.email_index)] if self.email_index else []
        return keys + ([("phone", self.phone_index)] if self.phone_index else [])

    def __reduce__(self) -> tuple[Any, ...]:
        # By position, as rows.Draft: cheap to send back from the process preparing a batch.
        return (LeadDraft, tuple(getattr(self, name) for name in _LEAD_DRAFT_FIELDS))


_LEAD_DRAFT_FIELDS = tuple(f.name for f in fields(LeadDraft))


def parse_status(raw: str) -> str:
    value = re.sub(r"[^a-z]", "", raw.lower())
    if value in _CONVERTED:
        raise ValueError("converted leads are not imported as leads (import them as contacts)")
    status = _STATUS.get(value)
    if status is None:
        raise ValueError("must be new, contacted, qualified or lost")
    return status


class LeadRowReader:
    """Turns the cells of one row into a LeadDraft (a handler per mapped column, chosen once)."""

    def __init__(
        self,
        headers: Sequence[str],
        mapping: Mapping[str, str],
        cipher: OrgCipher,
        definitions: Mapping[str, CustomFieldDefinition],
        members: Mapping[str, uuid.UUID],
    ) -> None:
        self.width = len(headers)
        self.cipher = cipher
        self.definitions = definitions
        self.members = members
        self.full_name: tuple[int, str] | None = None
        self.columns: list[tuple[int, str, str, Handler]] = []
        for position, header in enumerate(headers):
            target = mapping.get(header)
            if not target:
                continue
            if target == "full_name":
                self.full_name = (position, header)
            else:
                self.columns.append((position, header, target, self._handler(target)))

    def _handler(self, target: str) -> Handler:
        if target in LIMITS:
            return _limited(target, LIMITS[target])
        if target.startswith("cf."):
            key = target[3:]
            definition = self.definitions[key]

            def custom(draft: LeadDraft, raw: str) -> None:
                draft.custom[key] = _custom_value(definition, raw)

            return custom  # type: ignore[return-value]
        handlers: dict[str, Any] = {
            "email": self._email,
            "phone": self._phone,
            "status": _status,
            "lost_reason": _lost_reason,
            "owner": self._owner,
            "tags": _tags,
        }
        return handlers[target]  # type: ignore[no-any-return]

    def read(self, row: int, cells: Sequence[str]) -> LeadDraft:
        if len(cells) != self.width:
            raise RowInvalid([f"the row has {len(cells)} cells but the header has {self.width}"])
        draft = LeadDraft(row=row)
        problems: list[str] = []
        for position, header, target, handler in self.columns:
            raw = cells[position].strip()
            if not raw:
                continue
            if BAD_BYTES in raw:
                problems.append(f"column {header!r}: holds bytes that are not valid in the file's encoding")
                continue
            try:
                handler(draft, raw)  # type: ignore[arg-type]
            except ValueError as error:
                problems.append(f"column {header!r}: {error}")
            else:
                draft.present.add(target)
        if self.full_name is not None:
            position, header = self.full_name
            whole = cells[position].strip()
            if BAD_BYTES in whole:
                problems.append(f"column {header!r}: holds bytes that are not valid in the file's encoding")
            elif whole and not draft.present & {"first_name", "last_name"}:
                first, _, last = whole.rpartition(" ")
                draft.first_name, draft.last_name = (first, last) if first else (last, "")
                draft.first_name, draft.last_name = draft.first_name[:100], draft.last_name[:100]
                draft.present |= {"first_name", "last_name"}
        identity = draft.first_name or draft.last_name or draft.email or draft.phone or draft.company_name
        if not problems and not identity:
            problems.append("the row needs a name, an e-mail, a phone or a company")
        if draft.status == "lost" and not draft.lost_reason:
            problems.append("a lost lead needs a lost reason (map a Lost Reason column)")
        elif draft.lost_reason and draft.status not in (None, "lost"):
            problems.append(f"only a lost lead has a lost reason (this row's status is {draft.status})")
        if draft.custom:
            try:
                draft.custom = custom_values.validate(self.definitions, draft.custom, creating=False)
            except AppError as error:  # its message names the field, never the value
                problems.append(error.detail)
        if problems:
            raise RowInvalid(problems)
        return draft

    def _identifier(self, raw: str, kind: str) -> tuple[str, bytes]:
        try:
            return raw, self.cipher.blind_index(raw, kind)
        except ValueError:
            noun = "e-mail address" if kind == "email" else "phone number"
            raise ValueError(f"not a valid {noun}") from None

    def _email(self, draft: LeadDraft, raw: str) -> None:
        if len(raw.replace(",", " ").replace(";", " ").split()) > 1:
            raise ValueError("holds more than one e-mail address (a lead has one)")
        if len(raw) > 320:
            raise ValueError("is longer than 320 characters")
        draft.email, draft.email_index = self._identifier(raw, "email")

    def _phone(self, draft: LeadDraft, raw: str) -> None:
        if len(raw) > 40:
            raise ValueError("is longer than 40 characters")
        draft.phone, draft.phone_index = self._identifier(raw, "phone")

    def _owner(self, draft: LeadDraft, raw: str) -> None:
        owner = self.members.get(raw.lower())
        if owner is None:
            raise ValueError("is not a member of this organisation (give their e-mail or full name)")
        draft.owner_id = owner


def _status(draft: LeadDraft, raw: str) -> None:
    draft.status = parse_status(raw)


def _lost_reason(draft: LeadDraft, raw: str) -> None:
    if len(raw) > LOST_REASON_LIMIT:
        raise ValueError(f"is longer than {LOST_REASON_LIMIT} characters")
    draft.lost_reason = raw
