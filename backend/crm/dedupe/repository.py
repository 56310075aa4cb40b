"""SQL for duplicate suggestions and merges (every statement scoped by RLS to the transaction's tenant)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, and_, delete, func, literal, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm.dedupe.matching import Match, Organisation, Person
from crm.models import (
    Activity,
    Attachment,
    Company,
    Contact,
    ContactIdentifier,
    CustomFieldValue,
    Deal,
    DealContact,
    DuplicateSuggestion,
    Lead,
)

CHUNK = 5_000


# --- reading what to match ------------------------------------------------------------------


async def people(session: AsyncSession) -> list[Person]:
    rows = await session.execute(
        select(Contact.id, Contact.first_name, Contact.last_name, Contact.company_name, Contact.company_id)
        .where(Contact.deleted_at.is_(None))
        .order_by(Contact.id)
    )
    return [Person(r.id, r.first_name or "", r.last_name or "", r.company_name, r.company_id) for r in rows]


async def organisations(session: AsyncSession) -> list[Organisation]:
    rows = await session.execute(
        select(Company.id, Company.name, Company.domain)
        .where(Company.deleted_at.is_(None))
        .order_by(Company.id)
    )
    return [Organisation(r.id, r.name, r.domain) for r in rows]


async def birth_ciphertexts(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, bytes]:
    wanted = sorted(set(ids))
    found: dict[uuid.UUID, bytes] = {}
    for start in range(0, len(wanted), CHUNK):
        rows = await session.execute(
            select(Contact.id, Contact.date_of_birth).where(
                Contact.id.in_(wanted[start : start + CHUNK]), Contact.date_of_birth.isnot(None)
            )
        )
        found.update({r.id: r.date_of_birth for r in rows})
    return found


async def shared_identifiers(session: AsyncSession) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    """Live contact pairs holding the same e-mail or phone (blind index): exact duplicates."""
    a, b = aliased(ContactIdentifier), aliased(ContactIdentifier)
    ca, cb = aliased(Contact), aliased(Contact)
    rows = await session.execute(
        select(a.contact_id, b.contact_id, func.min(a.kind))
        .join(b, and_(a.kind == b.kind, a.blind_index == b.blind_index, a.contact_id < b.contact_id))
        .join(ca, and_(ca.id == a.contact_id, ca.deleted_at.is_(None)))
        .join(cb, and_(cb.id == b.contact_id, cb.deleted_at.is_(None)))
        .group_by(a.contact_id, b.contact_id)
    )
    return [(r[0], r[1], r[2]) for r in rows]


# --- suggestions ------------------------------------------------------------------------------


async def known_pairs(
    session: AsyncSession, object_type: str
) -> dict[tuple[uuid.UUID, uuid.UUID], tuple[uuid.UUID, str]]:
    """Every stored pair of this type: (record_a, record_b) -> (suggestion id, status)."""
    rows = await session.execute(
        select(
            DuplicateSuggestion.id,
            DuplicateSuggestion.record_a,
            DuplicateSuggestion.record_b,
            DuplicateSuggestion.status,
        ).where(DuplicateSuggestion.object_type == object_type)
    )
    return {(r.record_a, r.record_b): (r.id, r.status) for r in rows}


async def upsert(session: AsyncSession, object_type: str, matches: Sequence[Match]) -> None:
    """Insert new suggestions; refresh the score of open ones; leave dismissed and merged ones alone."""
    for start in range(0, len(matches), 1_000):
        batch = [
            {
                "object_type": object_type,
                "record_a": m.pair[0],
                "record_b": m.pair[1],
                "score": m.score,
                "reason": m.reason,
            }
            for m in matches[start : start + 1_000]
        ]
        statement = insert(DuplicateSuggestion).values(batch)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["organization_id", "object_type", "record_a", "record_b"],
                set_={"score": statement.excluded.score, "reason": statement.excluded.reason},
                where=DuplicateSuggestion.status == "open",
            )
        )


async def delete_suggestions(session: AsyncSession, ids: Iterable[uuid.UUID]) -> None:
    wanted = list(ids)
    for start in range(0, len(wanted), CHUNK):
        await session.execute(
            delete(DuplicateSuggestion).where(DuplicateSuggestion.id.in_(wanted[start : start + CHUNK]))
        )


def _summaries(object_type: str) -> tuple[Any, Any, list[Any]]:
    if object_type == "contact":
        a, b = aliased(Contact), aliased(Contact)

        def contact_columns(c: Any) -> list[Any]:
            name = func.trim(func.concat(c.first_name, literal(" "), c.last_name))
            detail = func.nullif(func.concat_ws(" · ", c.company_name, c.job_title), "")
            return [name, detail, c.deleted_at.isnot(None)]

        return a, b, contact_columns(a) + contact_columns(b)
    ca, cb = aliased(Company), aliased(Company)
    return (
        ca,
        cb,
        [ca.name, ca.domain, ca.deleted_at.isnot(None), cb.name, cb.domain, cb.deleted_at.isnot(None)],
    )


def list_statement(
    object_type: str, status: str, after: tuple[float, uuid.UUID] | None, limit: int
) -> tuple[Select[Any], Any, Any]:
    """Suggestions with both records' summaries, best score first, one query (keyset on score, id)."""
    a, b, columns = _summaries(object_type)
    statement = (
        select(DuplicateSuggestion, *columns)
        .join(a, a.id == DuplicateSuggestion.record_a)
        .join(b, b.id == DuplicateSuggestion.record_b)
        .where(DuplicateSuggestion.object_type == object_type, DuplicateSuggestion.status == status)
        .order_by(DuplicateSuggestion.score.desc(), DuplicateSuggestion.id.desc())
        .limit(limit + 1)
    )
    if status == "open":
        statement = statement.where(a.deleted_at.is_(None), b.deleted_at.is_(None))
    if after is not None:
        statement = statement.where(
            tuple_(DuplicateSuggestion.score, DuplicateSuggestion.id)
            < tuple_(literal(after[0]), literal(after[1]))
        )
    return statement, a, b


async def get_suggestion(session: AsyncSession, suggestion_id: uuid.UUID) -> DuplicateSuggestion | None:
    return (
        await session.execute(select(DuplicateSuggestion).where(DuplicateSuggestion.id == suggestion_id))
    ).scalar_one_or_none()


async def mark_merged(
    session: AsyncSession, object_type: str, primary: uuid.UUID, duplicate: uuid.UUID, reason: str
) -> None:
    """Record the merge as a suggestion marked merged (record_a kept, record_b folded into it);
    open suggestions naming the duplicate are moot and go."""
    either = or_(
        and_(DuplicateSuggestion.record_a == primary, DuplicateSuggestion.record_b == duplicate),
        and_(DuplicateSuggestion.record_a == duplicate, DuplicateSuggestion.record_b == primary),
    )
    previous = (
        (
            await session.execute(
                delete(DuplicateSuggestion)
                .where(DuplicateSuggestion.object_type == object_type, either)
                .returning(DuplicateSuggestion.score)
            )
        )
        .scalars()
        .all()
    )
    await session.execute(
        delete(DuplicateSuggestion).where(
            DuplicateSuggestion.object_type == object_type,
            DuplicateSuggestion.status == "open",
            or_(DuplicateSuggestion.record_a == duplicate, DuplicateSuggestion.record_b == duplicate),
        )
    )
    session.add(
        DuplicateSuggestion(
            object_type=object_type,
            record_a=primary,
            record_b=duplicate,
            score=max(previous, default=1.0),
            reason=reason[:200],
            status="merged",
        )
    )
    await session.flush()


# --- merging ----------------------------------------------------------------------------------


async def lock_record(session: AsyncSession, model: Any, record_id: uuid.UUID, scope: Any) -> Any:
    """The live record if ``scope`` reaches it, locked FOR UPDATE (None otherwise)."""
    return (
        await session.execute(
            select(model).where(model.id == record_id, model.deleted_at.is_(None), scope).with_for_update()
        )
    ).scalar_one_or_none()


async def _rowcount(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)


async def move_contact_links(
    session: AsyncSession, primary: uuid.UUID, duplicate: uuid.UUID
) -> dict[str, int]:
    moved = {
        "activities": await _rowcount(
            session, update(Activity).where(Activity.contact_id == duplicate).values(contact_id=primary)
        ),
        "leads": await _rowcount(
            session,
            update(Lead).where(Lead.converted_contact_id == duplicate).values(converted_contact_id=primary),
        ),
        "attachments": await _rowcount(
            session,
            update(Attachment)
            .where(Attachment.object_type == "contact", Attachment.record_id == duplicate)
            .values(record_id=primary),
        ),
    }
    # A deal linked to both keeps one link.
    links = select(DealContact.organization_id, DealContact.deal_id, literal(primary)).where(
        DealContact.contact_id == duplicate
    )
    await session.execute(
        insert(DealContact)
        .from_select(["organization_id", "deal_id", "contact_id"], links)
        .on_conflict_do_nothing()
    )
    moved["deals"] = await _rowcount(session, delete(DealContact).where(DealContact.contact_id == duplicate))
    moved["identifiers"] = await _rowcount(
        session, delete(ContactIdentifier).where(ContactIdentifier.contact_id == duplicate)
    )
    return moved


async def move_company_links(
    session: AsyncSession, primary: uuid.UUID, duplicate: uuid.UUID, name: str
) -> dict[str, int]:
    moved = {
        "contacts": await _rowcount(
            session, update(Contact).where(Contact.company_id == duplicate).values(company_id=primary)
        ),
        "deals": await _rowcount(
            session, update(Deal).where(Deal.company_id == duplicate).values(company_id=primary)
        ),
        "activities": await _rowcount(
            session, update(Activity).where(Activity.company_id == duplicate).values(company_id=primary)
        ),
        "leads": await _rowcount(
            session,
            update(Lead).where(Lead.converted_company_id == duplicate).values(converted_company_id=primary),
        ),
        "attachments": await _rowcount(
            session,
            update(Attachment)
            .where(Attachment.object_type == "company", Attachment.record_id == duplicate)
            .values(record_id=primary),
        ),
    }
    # Contacts carry their company's name (text search): all of the primary's, moved ones included.
    await session.execute(update(Contact).where(Contact.company_id == primary).values(company_name=name))
    return moved


async def delete_custom_values(session: AsyncSession, record_id: uuid.UUID) -> int:
    return await _rowcount(session, delete(CustomFieldValue).where(CustomFieldValue.record_id == record_id))
