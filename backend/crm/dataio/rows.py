"""One CSV row to one contact draft, or a list of problems naming the columns (never their values:
error reports are stored, and a value may be personal data)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from crm.contact.schemas import LIFECYCLE_STAGES
from crm.core.errors import AppError
from crm.core.security.crypto import OrgCipher
from crm.customfield import values as custom_values
from crm.dataio.csvfile import BAD_BYTES
from crm.models import CustomFieldDefinition

MAX_VALUES = 10
LIMITS = {"first_name": 100, "last_name": 100, "job_title": 150, "company_name": 200}
ADDRESS_LIMITS = {"street": 200, "city": 100, "postal_code": 20, "region": 100, "country": 100}
_LIST_SPLIT = re.compile(r"\s*[;,|]\s*")
_EMAIL_SPLIT = re.compile(r"[;,\s]+")
_TRUE = frozenset(
    {"true", "yes", "y", "1", "x", "on", "opted in", "optedin", "subscribed", "ja", "oui", "si"}
)
_FALSE = frozenset({"false", "no", "n", "0", "off", "opted out", "optedout", "unsubscribed", "nein", "non"})
_STAGES = {
    **{stage: stage for stage in LIFECYCLE_STAGES},
    "marketingqualifiedlead": "qualified",
    "salesqualifiedlead": "qualified",
    "mql": "qualified",
    "sql": "qualified",
    "evangelist": "referrer",
    "prospect": "lead",
    "client": "customer",
}


@dataclass(slots=True)
class Draft:
    """A validated row: plain values, and e-mails/phones with their blind indexes."""

    row: int
    first_name: str = ""
    last_name: str = ""
    job_title: str | None = None
    company_name: str | None = None
    lifecycle_stage: str | None = None
    emails: list[str] = field(default_factory=list)
    email_indexes: list[bytes] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    phone_indexes: list[bytes] = field(default_factory=list)
    date_of_birth: dt.date | None = None
    address: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    owner_id: uuid.UUID | None = None
    consents: dict[str, bool] = field(default_factory=dict)
    custom: dict[str, Any] = field(default_factory=dict)
    present: set[str] = field(default_factory=set)  # fields the row gave a value for
    id: uuid.UUID | None = None
    # The contact row as it would be inserted (JSON, PII already encrypted under ``id``), prepared
    # ahead of the batch's transaction; None once a later row was merged into this one.
    prepared: bytes | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled by position: a slots dataclass otherwise unpickles field by field in Python,
        # 10x slower, and a large import sends every draft back from the process preparing it.
        return (Draft, tuple(getattr(self, name) for name in _DRAFT_FIELDS))


_DRAFT_FIELDS = tuple(f.name for f in fields(Draft))


class RowInvalid(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError("must be yes/no, true/false or 1/0")


def parse_date(raw: str, today: dt.date | None = None) -> dt.date:
    value = raw.strip()
    iso = value[:10]
    try:
        parsed = (
            dt.date.fromisoformat(iso.replace("/", "-"))
            if re.fullmatch(r"\d{4}[-/]\d{2}[-/]\d{2}", iso)
            else None
        )
    except ValueError:
        raise ValueError("is not a valid date") from None
    if parsed is None:
        match = re.fullmatch(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4})", value)
        if not match:
            raise ValueError("must be a date like YYYY-MM-DD")
        first, separator, second, year = int(match[1]), match[2], int(match[3]), int(match[4])
        if separator == "." or first > 12:
            day, month = first, second
        elif second > 12:
            month, day = first, second
        elif first == second:
            day = month = first
        else:
            raise ValueError("is ambiguous (day/month or month/day?); use YYYY-MM-DD")
        try:
            parsed = dt.date(year, month, day)
        except ValueError:
            raise ValueError("is not a valid date") from None
    if not dt.date(1900, 1, 1) <= parsed <= (today or dt.date.today()):
        raise ValueError("is out of range")
    return parsed


def _custom_value(definition: CustomFieldDefinition, raw: str) -> Any:
    kind = definition.field_type
    if kind in ("number", "currency"):
        text = re.sub(r"[\s€$£¥]", "", raw)
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            return Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise ValueError("must be a number") from None
    if kind == "boolean":
        return parse_bool(raw)
    if kind == "multiselect":
        return [item for item in _LIST_SPLIT.split(raw.strip()) if item]
    if kind == "date":
        return parse_date(raw).isoformat()
    if kind == "select":
        by_lower = {option.lower(): option for option in definition.options or []}
        return by_lower.get(raw.strip().lower(), raw.strip())
    return raw.strip()


Handler = Callable[[Draft, str], None]


class RowReader:
    """Turns the cells of one row into a Draft for one import (its mapping, cipher and members).

    Each mapped column gets its handler once, when the reader is built: a row is then a loop of
    direct calls (no per-cell dispatch on the target's name, 100,000s of times per import).
    """

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
        self.today = dt.date.today()  # once per import, not once per row
        self.full_name_at: int | None = None
        self.full_name_header = ""
        self.columns: list[tuple[int, str, str, Handler]] = []
        for position, header in enumerate(headers):
            target = mapping.get(header)
            if not target:
                continue
            if target == "full_name":
                self.full_name_at, self.full_name_header = position, header
                continue
            self.columns.append((position, header, _present_as(target), self._handler(target)))

    def _handler(self, target: str) -> Handler:
        if target in LIMITS:
            return _limited(target, LIMITS[target])
        if target.startswith("address."):
            part = target.removeprefix("address.")
            return _address(part, ADDRESS_LIMITS[part])
        if target.startswith("cf."):
            key = target[3:]
            definition = self.definitions[key]

            def custom(draft: Draft, raw: str) -> None:
                draft.custom[key] = _custom_value(definition, raw)

            return custom
        if target in ("consent_email", "consent_sms", "consent_whatsapp"):

            def consent(draft: Draft, raw: str) -> None:
                draft.consents[target] = parse_bool(raw)

            return consent
        handlers: dict[str, Handler] = {
            "email": self._emails,
            "phone": self._phones,
            "lifecycle_stage": _stage,
            "date_of_birth": self._birth,
            "tags": _tags,
            "owner": self._owner,
            "email_opt_out": _opt_out,
        }
        return handlers[target]

    def read(self, row: int, cells: Sequence[str]) -> Draft:
        if len(cells) != self.width:
            raise RowInvalid([f"the row has {len(cells)} cells but the header has {self.width}"])
        draft = Draft(row=row)
        problems: list[str] = []
        present = draft.present
        for position, header, target, handler in self.columns:
            raw = cells[position].strip()
            if not raw:
                continue
            if BAD_BYTES in raw:
                problems.append(f"column {header!r}: holds bytes that are not valid in the file's encoding")
                continue
            try:
                handler(draft, raw)
            except ValueError as error:
                problems.append(f"column {header!r}: {error}")
            else:
                present.add(target)
        if self.full_name_at is not None:
            self._full_name(draft, cells[self.full_name_at].strip(), problems)
        if not problems and not (draft.first_name or draft.last_name or draft.emails or draft.phones):
            problems.append("the row needs a name, an e-mail or a phone")
        if draft.custom:
            try:
                draft.custom = custom_values.validate(self.definitions, draft.custom, creating=False)
            except AppError as error:  # InvalidCustomValue: its message names the field, not the value
                problems.append(error.detail)
        if problems:
            raise RowInvalid(problems)
        return draft

    def _full_name(self, draft: Draft, full_name: str, problems: list[str]) -> None:
        if not full_name:
            return
        if BAD_BYTES in full_name:
            problems.append(
                f"column {self.full_name_header!r}: holds bytes that are not valid in the file's encoding"
            )
            return
        first, _, last = full_name.rpartition(" ")
        first, last = (first, last) if first else (last, "")
        if "first_name" not in draft.present and "last_name" not in draft.present:
            draft.first_name, draft.last_name = first[:100], last[:100]
            draft.present |= {"first_name", "last_name"}

    def _emails(self, draft: Draft, raw: str) -> None:
        for value in _EMAIL_SPLIT.split(raw):
            if value:
                self._identifier(draft, "email", value)

    def _phones(self, draft: Draft, raw: str) -> None:
        for value in _LIST_SPLIT.split(raw):
            if value := value.strip():
                self._identifier(draft, "phone", value)

    def _birth(self, draft: Draft, raw: str) -> None:
        draft.date_of_birth = parse_date(raw, self.today)

    def _owner(self, draft: Draft, raw: str) -> None:
        owner = self.members.get(raw.lower())
        if owner is None:
            raise ValueError("is not a member of this organisation (give their e-mail or full name)")
        draft.owner_id = owner

    def _identifier(self, draft: Draft, kind: str, value: str) -> None:
        values, indexes = (
            (draft.emails, draft.email_indexes) if kind == "email" else (draft.phones, draft.phone_indexes)
        )
        try:
            index = self.cipher.blind_index(value, kind)
        except ValueError:
            raise ValueError(
                f"not a valid {'e-mail address' if kind == 'email' else 'phone number'}"
            ) from None
        if index in indexes:
            return
        if len(values) >= MAX_VALUES:
            raise ValueError(f"more than {MAX_VALUES} {kind}s")
        values.append(value)
        indexes.append(index)


def _present_as(target: str) -> str:
    # An opt-out column fills the e-mail consent: an update must treat it as that field.
    return "consent_email" if target == "email_opt_out" else target


def _limited(name: str, limit: int) -> Handler:
    def handler(draft: Draft, raw: str) -> None:
        if len(raw) > limit:
            raise ValueError(f"is longer than {limit} characters")
        setattr(draft, name, raw)

    return handler


def _address(part: str, limit: int) -> Handler:
    def handler(draft: Draft, raw: str) -> None:
        if len(raw) > limit:
            raise ValueError(f"is longer than {limit} characters")
        draft.address[part] = raw

    return handler


def _stage(draft: Draft, raw: str) -> None:
    stage = _STAGES.get(re.sub(r"[^a-z]", "", raw.lower()))
    if stage is None:
        raise ValueError(f"must be one of {', '.join(sorted(LIFECYCLE_STAGES))}")
    draft.lifecycle_stage = stage


def _tags(draft: Draft, raw: str) -> None:
    for tag in _LIST_SPLIT.split(raw):
        tag = tag.strip()[:60]
        if tag and tag not in draft.tags:
            draft.tags.append(tag)
    if len(draft.tags) > 50:
        raise ValueError("has more than 50 tags")


def _opt_out(draft: Draft, raw: str) -> None:
    draft.consents["consent_email"] = not parse_bool(raw)
