"""What each indexed entity is read from: which rows have vectors, the columns their text is built
from (``texts.header_and_body``), what a hit shows, and who may read a transcript."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm.models import Activity, Company, Contact, Deal, Lead, Stage, Transcript

MODELS: dict[str, Any] = {
    "contact": Contact,
    "company": Company,
    "deal": Deal,
    "activity": Activity,
    "lead": Lead,
    "transcript": Transcript,
}
# A transcript belongs to one record of these types and is readable when that record is.
TRANSCRIBED: tuple[str, ...] = ("contact", "company", "deal", "lead")


# --- sources --------------------------------------------------------------------------------------


def _activity_with_text() -> list[ColumnElement[bool]]:
    # Tasks are to-dos, not content; an activity with neither subject nor body has nothing to find.
    return [Activity.kind != "task", func.length(func.concat(Activity.subject, Activity.body)) > 0]


def indexable(entity: str) -> list[ColumnElement[bool]]:
    """Which rows of ``entity`` have vectors: live records with text (transcripts: finished ones)."""
    if entity == "transcript":
        return [Transcript.status == "ready", func.length(func.coalesce(Transcript.text, "")) > 0]
    conditions = [MODELS[entity].deleted_at.is_(None)]
    return conditions + _activity_with_text() if entity == "activity" else conditions


def transcript_scope(readable: dict[str, ColumnElement[bool]]) -> ColumnElement[bool] | None:
    """Transcripts whose record is live and in the caller's read scope (``readable`` per record type,
    types the caller may not read left out); None when no record type is readable."""
    parts = [
        and_(
            Transcript.object_type == object_type,
            Transcript.record_id.in_(
                select(MODELS[object_type].id).where(MODELS[object_type].deleted_at.is_(None), clause)
            ),
        )
        for object_type, clause in readable.items()
        if object_type in TRANSCRIBED
    ]
    return or_(*parts) if parts else None


def _source_query(entity: str) -> Select[*tuple[Any, ...]]:
    if entity == "contact":
        return select(
            Contact.id,
            Contact.first_name,
            Contact.last_name,
            Contact.job_title,
            Contact.company_name,
            Contact.lifecycle_stage,
            Contact.tags,
        ).where(Contact.deleted_at.is_(None))
    if entity == "company":
        return select(
            Company.id,
            Company.name,
            Company.domain,
            Company.industry,
            Company.employee_count,
            Company.address,
            Company.tags,
        ).where(Company.deleted_at.is_(None))
    if entity == "deal":
        return (
            select(
                Deal.id,
                Deal.name,
                Deal.status,
                Deal.lost_reason,
                Deal.tags,
                Company.name.label("company_name"),
                Stage.name.label("stage_name"),
            )
            .outerjoin(Company, Company.id == Deal.company_id)
            .outerjoin(Stage, Stage.id == Deal.stage_id)
            .where(Deal.deleted_at.is_(None))
        )
    if entity == "activity":
        person = aliased(Contact)
        return (
            select(
                Activity.id,
                Activity.kind,
                Activity.subject,
                Activity.body,
                func.nullif(func.concat_ws(" ", person.first_name, person.last_name), "").label(
                    "contact_name"
                ),
                func.coalesce(Company.name, person.company_name).label("company_name"),
                Company.address["city"].astext.label("company_city"),
            )
            .outerjoin(person, person.id == Activity.contact_id)
            .outerjoin(Company, Company.id == func.coalesce(Activity.company_id, person.company_id))
            .where(Activity.deleted_at.is_(None), *_activity_with_text())
        )
    if entity == "lead":
        return select(
            Lead.id,
            Lead.first_name,
            Lead.last_name,
            Lead.job_title,
            Lead.company_name,
            Lead.status,
            Lead.source,
            Lead.lost_reason,
            Lead.tags,
        ).where(*indexable("lead"))
    if entity == "transcript":
        return (
            select(
                Transcript.id,
                Transcript.kind,
                Transcript.summary,
                Transcript.text,
                func.coalesce(
                    func.nullif(func.concat_ws(" ", Contact.first_name, Contact.last_name), ""),
                    Company.name,
                    Deal.name,
                    func.nullif(func.concat_ws(" ", Lead.first_name, Lead.last_name), ""),
                ).label("about"),
            )
            .outerjoin(Contact, and_(Transcript.object_type == "contact", Contact.id == Transcript.record_id))
            .outerjoin(Company, and_(Transcript.object_type == "company", Company.id == Transcript.record_id))
            .outerjoin(Deal, and_(Transcript.object_type == "deal", Deal.id == Transcript.record_id))
            .outerjoin(Lead, and_(Transcript.object_type == "lead", Lead.id == Transcript.record_id))
            .where(*indexable("transcript"))
        )
    raise ValueError(f"not an indexed entity: {entity}")


async def sources(session: AsyncSession, entity: str, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """The live records among ``ids`` with what their text is built from (gone ones are absent)."""
    model = MODELS[entity]
    result = await session.execute(_source_query(entity).where(model.id.in_(ids)))
    return {row.id: row for row in result}


def display_query(entity: str) -> Select[Any]:
    """id, title, snippet of live records: what a hit shows."""
    if entity == "contact":
        return select(
            Contact.id,
            func.concat_ws(" ", Contact.first_name, Contact.last_name).label("title"),
            func.concat_ws(" · ", Contact.job_title, Contact.company_name).label("snippet"),
        ).where(Contact.deleted_at.is_(None))
    if entity == "company":
        return select(
            Company.id,
            Company.name.label("title"),
            func.concat_ws(
                " · ", Company.industry, Company.address["city"].astext, Company.address["country"].astext
            ).label("snippet"),
        ).where(Company.deleted_at.is_(None))
    if entity == "deal":
        return select(
            Deal.id,
            Deal.name.label("title"),
            func.concat_ws(" · ", Deal.status, Deal.lost_reason).label("snippet"),
        ).where(Deal.deleted_at.is_(None))
    if entity == "activity":
        return select(
            Activity.id,
            func.coalesce(func.nullif(Activity.subject, ""), func.initcap(Activity.kind)).label("title"),
            func.left(func.regexp_replace(func.coalesce(Activity.body, ""), r"\s+", " ", "g"), 240).label(
                "snippet"
            ),
        ).where(Activity.deleted_at.is_(None), Activity.kind != "task")
    if entity == "lead":
        return select(
            Lead.id,
            func.concat_ws(" ", Lead.first_name, Lead.last_name).label("title"),
            func.concat_ws(" · ", Lead.job_title, Lead.company_name, Lead.status).label("snippet"),
        ).where(Lead.deleted_at.is_(None))
    if entity == "transcript":
        spoken = func.coalesce(func.nullif(Transcript.summary, ""), Transcript.text, "")
        return select(
            Transcript.id,
            func.concat(func.initcap(Transcript.kind), " recording transcript").label("title"),
            func.left(func.regexp_replace(spoken, r"\s+", " ", "g"), 240).label("snippet"),
        ).where(*indexable("transcript"))
    raise ValueError(f"not an indexed entity: {entity}")
