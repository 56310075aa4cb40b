"""Planning and writing one batch of imported leads (see ``batch`` for the contacts' twin).

Exact duplicates are found by the blind index of the e-mail, then of the phone, among live
leads and the earlier rows of the file. New leads go in with one INSERT per batch; updates
follow the API's rules (values given win, the status flow, a lost lead needs a reason, a
converted lead is never changed), checked before anything of the row is written.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.permissions import Scope
from crm.core.security.crypto import OrgCipher
from crm.customfield import values as custom_values
from crm.dataio import lead_repository, repository
from crm.dataio.batch import Dedupe, Outcome, SavepointWriter, Unit
from crm.dataio.lead_rows import LeadDraft
from crm.lead.service import TRANSITIONS
from crm.models import CustomFieldDefinition, Lead

TABLE = "leads"
_PLAIN = ("first_name", "last_name", "job_title", "company_name", "source")
_IDENTIFIERS = ("email", "email_index", "phone", "phone_index")


def merge(target: LeadDraft, source: LeadDraft) -> None:
    """A later row for the same lead onto an earlier one: values given win, tags add up."""
    for name in (*_PLAIN, *_IDENTIFIERS, "status", "lost_reason", "owner_id"):
        value = getattr(source, name)
        if value:
            setattr(target, name, value)
    if target.status != "lost":
        target.lost_reason = None
    target.tags.extend(tag for tag in source.tags if tag not in target.tags)
    target.custom.update(source.custom)
    target.present |= source.present


LEADS = Dedupe(LeadDraft.keys, lead_repository.matches, merge, "leads")


class LeadWriter(SavepointWriter):
    """Writes planned leads for one import (its cipher, definitions, importer and scope)."""

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

    def prepare(self, draft: LeadDraft) -> None:
        """Nothing to do ahead for a lead (its row is built at write time)."""

    def _sealed(self, value: str | None, column: str, lead_id: uuid.UUID) -> str | None:
        return self.cipher.encrypt(value, TABLE, column, lead_id).hex() if value else None

    def _row(self, draft: LeadDraft) -> bytes:
        lead_id = draft.id or uuid.uuid4()
        draft.id = lead_id
        return orjson.dumps(
            {
                "id": lead_id,
                "first_name": draft.first_name,
                "last_name": draft.last_name,
                "job_title": draft.job_title,
                "company_name": draft.company_name,
                "email": self._sealed(draft.email, "email", lead_id),
                "email_bidx": draft.email_index.hex() if draft.email_index else None,
                "phone": self._sealed(draft.phone, "phone", lead_id),
                "phone_bidx": draft.phone_index.hex() if draft.phone_index else None,
                "source": draft.source,
                "status": draft.status or "new",
                "lost_reason": draft.lost_reason if draft.status == "lost" else None,
                "owner_id": draft.owner_id or self.created_by,
                "tags": sorted(draft.tags),
            }
        )

    async def _write(self, session: AsyncSession, units: Sequence[Unit]) -> Outcome:
        outcome = Outcome()
        custom_rows: list[dict[str, Any]] = []
        rows = []
        for unit in units:
            if unit.kind != "create":
                continue
            draft: LeadDraft = unit.drafts[0]
            rows.append(self._row(draft))
            custom_rows += self._custom_rows(unit.record_id, draft.custom)
            outcome.created += 1
            outcome.updated += len(unit.drafts) - 1
            outcome.created_ids.append(unit.record_id)
        await lead_repository.insert_leads(
            session, rows, created_by=self.created_by, import_id=self.import_id
        )
        updates = [unit for unit in units if unit.kind == "update"]
        if updates:
            locked = await lead_repository.lock_for_update(session, [u.record_id for u in updates])
            now = (await session.execute(text("SELECT now()"))).scalar_one()
            for unit in updates:
                lead = locked.get(unit.record_id)
                if lead is None or not self._may_edit(lead):
                    outcome.errors += [(row, "matches a lead you may not edit") for row in unit.rows]
                    continue
                applied = 0
                for draft in unit.drafts:
                    problem = self._apply(lead, draft)
                    if problem:
                        outcome.errors.append((draft.row, problem))
                        continue
                    custom_rows += self._custom_rows(lead.id, draft.custom)
                    applied += 1
                if applied:
                    lead.version += 1
                    lead.updated_at = now
                    outcome.updated += applied
                    outcome.updated_ids.append(lead.id)
            await session.flush()
        await repository.upsert_custom_values(session, custom_rows)
        return outcome

    def _may_edit(self, lead: Lead) -> bool:
        """The importer's ``leads:update`` scope, as ``scope_clause`` would apply it."""
        if self.update_scope is Scope.all:
            return True
        if self.update_scope is Scope.team:
            return lead.owner_id in self.teammates
        own = self.created_by is not None and lead.owner_id == self.created_by
        return self.update_scope is Scope.own and own

    def _apply(self, lead: Lead, draft: LeadDraft) -> str | None:
        """Update a lead from a row (values given win), or say why the row cannot apply; the checks
        come first, so a refused row leaves the lead as it was."""
        if lead.status == "converted":
            return "matches a converted lead, which keeps its values"
        status = draft.status or lead.status
        if draft.status and draft.status != lead.status and draft.status not in TRANSITIONS[lead.status]:
            return f"a {lead.status} lead cannot become {draft.status}"
        reason = draft.lost_reason or (lead.lost_reason if status == "lost" else None)
        if status == "lost" and not reason:
            return "a lost lead needs a lost reason"
        for name in _PLAIN:
            if name in draft.present:
                setattr(lead, name, getattr(draft, name))
        for kind in ("email", "phone"):
            value = getattr(draft, kind)
            if value:
                lead_id = lead.id
                setattr(lead, kind, self.cipher.encrypt(value, TABLE, kind, lead_id))
                setattr(lead, f"{kind}_bidx", getattr(draft, f"{kind}_index"))
        lead.status, lead.lost_reason = status, reason if status == "lost" else None
        if draft.owner_id is not None:
            lead.owner_id = draft.owner_id
        if draft.tags:
            lead.tags = sorted(set(lead.tags or []) | set(draft.tags))
        return None

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
