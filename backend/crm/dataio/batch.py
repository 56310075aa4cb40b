"""Planning and writing one batch of imported contacts.

Planning decides, per row, create / update / skip from the exact duplicates (blind-index
e-mail or phone, against the database and the rows before it in the file). Writing runs
a few set-based statements for the whole batch inside a savepoint; if the database
refuses the batch, each contact is written again in its own savepoint, so a row that
cannot be saved fails alone and nothing of it is left half-written.
"""

from __future__ import annotations

import abc
import datetime as dt
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
import psycopg
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.permissions import Scope
from crm.core.security.crypto import OrgCipher
from crm.customfield import values as custom_values
from crm.dataio import repository
from crm.dataio.rows import Draft
from crm.models import Contact, CustomFieldDefinition

Policy = Literal["skip", "update", "create"]
# Set-based statements run on the driver connection, so their errors arrive unwrapped.
REFUSED = (DBAPIError, psycopg.Error)
TABLE = "contacts"


@dataclass
class Unit:
    """One record to write: a new one (its rows merged) or an existing one (rows applied in order)."""

    kind: Literal["create", "update"]
    record_id: uuid.UUID
    drafts: list[Any]  # Draft, or LeadDraft for a lead import

    @property
    def rows(self) -> list[int]:
        return [draft.row for draft in self.drafts]


@dataclass
class Plan:
    units: list[Unit] = field(default_factory=list)
    skipped: list[tuple[int, list[uuid.UUID]]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    # per row: what happens to it and with which contacts (for the preview)
    actions: dict[int, tuple[str, list[uuid.UUID]]] = field(default_factory=dict)


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    # the contacts written, for the batch's one change notice per verb
    created_ids: list[uuid.UUID] = field(default_factory=list)
    updated_ids: list[uuid.UUID] = field(default_factory=list)


def _keys(draft: Draft) -> list[tuple[str, bytes]]:
    return [("email", index) for index in draft.email_indexes] + [
        ("phone", index) for index in draft.phone_indexes
    ]


def merge(target: Draft, source: Draft) -> None:
    """Apply a later row for the same person onto an earlier one (values given win, lists add up)."""
    for name in ("first_name", "last_name", "job_title", "company_name", "lifecycle_stage", "date_of_birth",
                 "owner_id"):  # fmt: skip
        if name in source.present or (name in ("first_name", "last_name") and getattr(source, name)):
            setattr(target, name, getattr(source, name))
    for values, indexes, new_values, new_indexes in (
        (target.emails, target.email_indexes, source.emails, source.email_indexes),
        (target.phones, target.phone_indexes, source.phones, source.phone_indexes),
    ):
        for value, index in zip(new_values, new_indexes, strict=True):
            if index not in indexes and len(values) < 10:
                values.append(value)
                indexes.append(index)
    target.address.update(source.address)
    target.tags.extend(tag for tag in source.tags if tag not in target.tags)
    target.consents.update(source.consents)
    target.custom.update(source.custom)
    target.present |= source.present
    target.prepared = None


Keys = Callable[[Any], list[tuple[str, bytes]]]
Found = dict[tuple[str, bytes], list[uuid.UUID]]
Matches = Callable[[AsyncSession, uuid.UUID, Sequence[tuple[str, bytes]]], Awaitable[Found]]


@dataclass(frozen=True)
class Dedupe:
    """How one kind of record is matched: its keys, the look-up of existing holders, how a later
    row of the same record folds into an earlier one, and the plural noun for errors."""

    keys: Keys
    matches: Matches
    merge: Callable[[Any, Any], None]
    noun: str


async def plan(
    session: AsyncSession,
    organization_id: uuid.UUID,
    drafts: Sequence[Any],
    policy: Policy,
    definitions: Mapping[str, CustomFieldDefinition],
    dedupe: Dedupe | None = None,
) -> Plan:
    dedupe = dedupe or CONTACTS
    keys_of = [dedupe.keys(draft) for draft in drafts]  # once per draft: 100,000s of them
    keys = [key for draft_keys in keys_of for key in draft_keys]
    existing = await dedupe.matches(session, organization_id, keys)
    required = [key for key, d in definitions.items() if d.required]
    result = Plan()
    seen: dict[tuple[str, bytes], Unit] = {}  # keys of the rows planned so far in this batch
    updates: dict[uuid.UUID, Unit] = {}
    for draft, draft_keys in zip(drafts, keys_of, strict=True):
        ids: list[uuid.UUID] = []
        hit: Unit | None = None
        for key in draft_keys:
            unit_here = seen.get(key)
            if unit_here is not None:
                hit = hit or unit_here
                ids.append(unit_here.record_id)
            ids += existing.get(key, [])
        ids = list(dict.fromkeys(ids))
        if policy != "create" and ids:
            if policy == "skip":
                result.skipped.append((draft.row, ids))
                result.actions[draft.row] = ("skip", ids)
                continue
            if len(ids) > 1:
                error = f"matches {len(ids)} {dedupe.noun} by e-mail or phone; merge them first"
                result.errors.append((draft.row, error))
                result.actions[draft.row] = ("error", ids)
                continue
            unit = hit or updates.get(ids[0])
            if unit is None:
                unit = updates[ids[0]] = Unit("update", ids[0], [])
                result.units.append(unit)
            if unit.kind == "create":
                dedupe.merge(unit.drafts[0], draft)
            unit.drafts.append(draft)
            for key in draft_keys:
                seen.setdefault(key, unit)
            result.actions[draft.row] = ("update", [unit.record_id])
            continue
        missing = [key for key in required if draft.custom.get(key) is None]
        if missing:
            result.errors.append((draft.row, f"custom field {missing[0]!r}: is required"))
            result.actions[draft.row] = ("error", [])
            continue
        draft.id = draft.id or uuid.uuid4()
        unit = Unit("create", draft.id, [draft])
        result.units.append(unit)
        for key in draft_keys:
            seen.setdefault(key, unit)
        result.actions[draft.row] = ("create", [])
    return result


CONTACTS = Dedupe(_keys, repository.identifier_matches, merge, "contacts")


def _primary(error: Exception) -> str:
    """The database's primary message only: its DETAIL line could quote a value (personal data)."""
    origin = error.orig if isinstance(error, DBAPIError) else error
    return str(getattr(getattr(origin, "diag", None), "message_primary", None) or "database error")


class SavepointWriter(abc.ABC):
    """Writes a batch's units in one savepoint; if the database refuses, unit by unit, so a row
    that cannot be saved fails alone and nothing of it is left half-written."""

    @abc.abstractmethod
    async def _write(self, session: AsyncSession, units: Sequence[Unit]) -> Outcome:
        """Writes the units; each object type's writer says how."""

    async def write(self, session: AsyncSession, units: Sequence[Unit]) -> Outcome:
        """All units in one savepoint; if the database refuses, unit by unit."""
        try:
            async with session.begin_nested():
                return await self._write(session, units)
        except REFUSED:
            pass
        outcome = Outcome()
        for unit in units:
            try:
                async with session.begin_nested():
                    one = await self._write(session, [unit])
            except REFUSED as error:
                outcome.errors += [(row, f"could not be saved: {_primary(error)}") for row in unit.rows]
                continue
            outcome.created += one.created
            outcome.updated += one.updated
            outcome.errors += one.errors
            outcome.created_ids += one.created_ids
            outcome.updated_ids += one.updated_ids
        return outcome


class Writer(SavepointWriter):
    """Writes planned contacts for one import (its cipher, definitions, importer and scope)."""

    def __init__(
        self,
        *,
        import_id: uuid.UUID,
        created_by: uuid.UUID | None,
        cipher: OrgCipher,
        definitions: Mapping[str, CustomFieldDefinition],
        update_scope: Scope,
        teammates: set[uuid.UUID],
    ) -> None:
        self.import_id, self.created_by, self.cipher = import_id, created_by, cipher
        self.definitions = definitions
        self.update_scope, self.teammates = update_scope, teammates
        self.companies: dict[str, uuid.UUID | None] = {}

    async def _companies(self, session: AsyncSession, names: set[str]) -> None:
        missing = {name for name in names if name not in self.companies}
        if missing:
            found = await repository.companies_named(session, missing)
            for name in missing:
                self.companies[name] = found.get(name)

    async def _write(self, session: AsyncSession, units: Sequence[Unit]) -> Outcome:
        outcome = Outcome()
        creates = [unit for unit in units if unit.kind == "create"]
        updates = [unit for unit in units if unit.kind == "update"]
        names = {d.company_name for u in units for d in u.drafts if d.company_name}
        await self._companies(session, names)
        custom_rows: list[dict[str, Any]] = []
        rows = []
        for unit in creates:
            draft = unit.drafts[0]
            rows.append(draft.prepared if draft.prepared is not None else self.prepare(draft))
            custom_rows += self._custom_rows(unit.record_id, draft.custom)
            outcome.created += 1
            outcome.updated += len(unit.drafts) - 1
            outcome.created_ids.append(unit.record_id)
        companies = {name: str(self.companies[name]) for name in names if self.companies.get(name)}
        await repository.insert_contacts(
            session, rows, companies, created_by=self.created_by, import_id=self.import_id
        )
        identifiers: list[tuple[uuid.UUID, str, bytes, bool]] = []
        if updates:
            locked = await repository.lock_for_update(session, [u.record_id for u in updates])
            now = (await session.execute(text("SELECT now()"))).scalar_one()
            for unit in updates:
                contact = locked.get(unit.record_id)
                if contact is None or not self._may_edit(contact):
                    outcome.errors += [(row, "matches a contact you may not edit") for row in unit.rows]
                    continue
                for draft in unit.drafts:
                    identifiers += self._apply(contact, draft, now)
                    custom_rows += self._custom_rows(contact.id, draft.custom)
                contact.version += 1
                contact.updated_at = now
                outcome.updated += len(unit.drafts)
                outcome.updated_ids.append(contact.id)
            await session.flush()
        await repository.add_identifiers(session, identifiers)
        await repository.upsert_custom_values(session, custom_rows)
        return outcome

    def _may_edit(self, contact: Contact) -> bool:
        """The importer's ``contacts:update`` scope, as ``scope_clause`` would apply it."""
        if self.update_scope is Scope.all:
            return True
        if self.update_scope is Scope.team:
            return contact.owner_id in self.teammates
        own = self.created_by is not None and contact.owner_id == self.created_by
        return self.update_scope is Scope.own and own

    def _encrypt(self, value: Any, column: str, contact_id: uuid.UUID) -> bytes:
        # orjson: the same JSON values as json.dumps (read back with json.loads), several times faster.
        return self.cipher.encrypt_bytes(orjson.dumps(value), TABLE, column, contact_id)

    def prepare(self, draft: Draft) -> bytes:
        """The new contact as a staged row for ``repository.insert_contacts`` (its id given now,
        PII encrypted under it); no database needed, so it runs ahead, off the event loop (in a
        child process for a large file), beside the previous batch's writes."""
        draft.id = draft.id or uuid.uuid4()
        draft.prepared = repository.contact_staging_row(self._contact_row(draft.id, draft))
        return draft.prepared

    def _contact_row(self, contact_id: uuid.UUID, draft: Draft) -> dict[str, Any]:
        consents = draft.consents
        return {
            "id": contact_id,
            "first_name": draft.first_name,
            "last_name": draft.last_name,
            "job_title": draft.job_title,
            "company_name": draft.company_name,
            "stage": draft.lifecycle_stage or "lead",
            "owner_id": draft.owner_id or self.created_by,
            "c_email": consents.get("consent_email", False),
            "c_sms": consents.get("consent_sms", False),
            "c_whatsapp": consents.get("consent_whatsapp", False),
            "consented": bool(consents),
            "emails": self._sealed(draft.emails, "emails", contact_id),
            "phones": self._sealed(draft.phones, "phones", contact_id),
            "dob": self._sealed(
                draft.date_of_birth.isoformat() if draft.date_of_birth else None,
                "date_of_birth",
                contact_id,
            ),
            "address": self._sealed(draft.address, "address", contact_id),
            "tags": sorted(draft.tags),
            "ek": draft.email_indexes,
            "pk": draft.phone_indexes,
        }

    def _sealed(self, value: Any, column: str, contact_id: uuid.UUID) -> bytes | None:
        return self._encrypt(value, column, contact_id) if value else None

    def _custom_rows(self, record_id: uuid.UUID, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        rows = []
        for key, value in values.items():
            if value is None:
                continue
            definition = self.definitions[key]
            row: dict[str, Any] = {"field_id": definition.id, "record_id": record_id}
            if definition.is_pii:
                row["value_encrypted"] = self.cipher.encrypt(
                    json.dumps(value, default=str), "custom_field_values", f"cf:{definition.id}", record_id
                )
                row["value_bidx"] = self.cipher.blind_index(str(value), "custom")
            else:
                row[custom_values.COLUMN_OF[definition.field_type]] = value
            rows.append(row)
        return rows

    def _decrypted(self, contact: Contact, column: str) -> Any:
        value = getattr(contact, column)
        return None if value is None else json.loads(self.cipher.decrypt(value, TABLE, column, contact.id))

    def _apply(
        self, contact: Contact, draft: Draft, now: dt.datetime
    ) -> list[tuple[uuid.UUID, str, bytes, bool]]:
        """Update an existing contact from a row: values given win, e-mails/phones/tags add up."""
        for name in ("first_name", "last_name", "job_title", "lifecycle_stage"):
            if name in draft.present:
                setattr(contact, name, getattr(draft, name))
        if "company_name" in draft.present and draft.company_name:
            contact.company_name = draft.company_name
            contact.company_id = self.companies.get(draft.company_name) or contact.company_id
        if draft.owner_id is not None:
            contact.owner_id = draft.owner_id
        for name, consent in draft.consents.items():
            setattr(contact, name, consent)
        if draft.consents:
            contact.consent_updated_at = now
        if draft.tags:
            contact.tags = sorted(set(contact.tags or []) | set(draft.tags))
        if draft.date_of_birth is not None:
            contact.date_of_birth = self._encrypt(
                draft.date_of_birth.isoformat(), "date_of_birth", contact.id
            )
        if draft.address:
            address = (self._decrypted(contact, "address") or {}) | draft.address
            contact.address = self._encrypt(address, "address", contact.id)
        new: list[tuple[uuid.UUID, str, bytes, bool]] = []
        for kind, column, values, indexes in (
            ("email", "emails", draft.emails, draft.email_indexes),
            ("phone", "phones", draft.phones, draft.phone_indexes),
        ):
            if not values:
                continue
            current: list[str] = self._decrypted(contact, column) or []
            known = set()
            for existing in current:
                try:
                    known.add(self.cipher.blind_index(existing, kind))
                except ValueError:
                    continue
            added = [(v, i) for v, i in zip(values, indexes, strict=True) if i not in known][
                : 10 - len(current)
            ]
            if added:
                setattr(contact, column, self._encrypt(current + [v for v, _ in added], column, contact.id))
                new += [
                    (contact.id, kind, index, not current and n == 0) for n, (_, index) in enumerate(added)
                ]
        return new
