"""Duplicate suggestions: computed by a job (see ``matching`` for the algorithm), listed, dismissed.

Exact duplicates (the same e-mail or phone, by blind index) are refused when a contact is
created; the job also lists any that got in another way (``allow_duplicate``, imports) with
score 1. A new run refreshes open suggestions, drops those that no longer match, and never
brings back one an admin dismissed.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.audit.service import record_event
from crm.auth.permissions import Action
from crm.auth.principal import Principal
from crm.core import jobs
from crm.core.db import unit_of_work
from crm.core.errors import BadRequest, Conflict, NotFound
from crm.core.security.crypto import CryptoError, KeyStore, OrgCipher, org_cipher
from crm.dedupe import matching, repository
from crm.dedupe.schemas import RecordSummary, SuggestionOut
from crm.kit.pagination import Page, decode_cursor, encode_cursor
from crm.kit.records import scope_clause
from crm.models import DuplicateSuggestion, JobRun

log = logging.getLogger(__name__)

OBJECT_TYPES = ("contact", "company")
TASK_NAME = "dedupe.find_duplicates"


# --- computing ----------------------------------------------------------------------------------


def _births(cipher: OrgCipher, ciphertexts: dict[uuid.UUID, bytes]) -> dict[uuid.UUID, dt.date | None]:
    births: dict[uuid.UUID, dt.date | None] = {}
    for contact_id, value in ciphertexts.items():
        try:
            births[contact_id] = dt.date.fromisoformat(
                json.loads(cipher.decrypt(value, "contacts", "date_of_birth", contact_id))
            )
        except (CryptoError, ValueError, TypeError):
            log.warning("unreadable date of birth skipped by dedupe", extra={"contact_id": str(contact_id)})
    return births


async def contact_matches(session: AsyncSession, cipher: OrgCipher) -> list[matching.Match]:
    candidates = matching.contact_candidates(await repository.people(session))
    involved = {c.a.id for c in candidates} | {c.b.id for c in candidates}
    births = _births(cipher, await repository.birth_ciphertexts(session, involved))
    found = {m.pair: m for m in matching.finish_contacts(candidates, births)}
    for a, b, kind in await repository.shared_identifiers(session):
        found[(a, b)] = matching.Match(a, b, 1.0, f"same {'e-mail' if kind == 'email' else 'phone'}")
    return list(found.values())


async def company_matches(session: AsyncSession) -> list[matching.Match]:
    return matching.company_matches(await repository.organisations(session))


async def store(session: AsyncSession, object_type: str, matches: list[matching.Match]) -> dict[str, int]:
    known = await repository.known_pairs(session, object_type)
    found = {m.pair for m in matches}
    stale = [i for pair, (i, status) in known.items() if status == "open" and pair not in found]
    await repository.delete_suggestions(session, stale)
    await repository.upsert(session, object_type, matches)
    return {"found": len(found), "new": len(found - set(known)), "removed": len(stale)}


async def compute(
    session: AsyncSession, cipher: OrgCipher, object_types: Iterable[str]
) -> dict[str, dict[str, int]]:
    """Recompute the suggestions of these object types in the session's organisation."""
    result = {}
    for object_type in object_types:
        if object_type == "contact":
            result[object_type] = await store(session, object_type, await contact_matches(session, cipher))
        elif object_type == "company":
            result[object_type] = await store(session, object_type, await company_matches(session))
        else:
            raise ValueError(f"unknown object type {object_type!r}")
    return result


async def run_job(
    sessions: async_sessionmaker[AsyncSession],
    keystore: KeyStore,
    organization_id: uuid.UUID,
    job_run_id: uuid.UUID,
    object_types: list[str],
) -> dict[str, dict[str, int]]:
    """The job: one transaction for the organisation; progress on its ``JobRun``."""
    try:
        async with unit_of_work(sessions, organization_id) as session:
            await jobs.report_progress(session, job_run_id, done=0, status="running")
            cipher = await org_cipher(session, keystore, organization_id)
            result = await compute(session, cipher, object_types)
            found = sum(r["found"] for r in result.values())
            await jobs.report_progress(
                session, job_run_id, done=found, total=found, status="succeeded", message=json.dumps(result)
            )
        return result
    except Exception as exc:
        async with unit_of_work(sessions, organization_id) as session:
            await jobs.report_progress(
                session, job_run_id, done=0, status="failed", message=type(exc).__name__
            )
        raise


async def request_run(session: AsyncSession, principal: Principal, object_types: Iterable[str]) -> JobRun:
    """Queue the job in the caller's transaction; one waiting run per organisation (409 otherwise)."""
    from crm.dedupe.tasks import find_duplicates

    lock = f"dedupe:{principal.organization_id}"
    types = sorted(set(object_types))
    try:
        async with session.begin_nested():
            run = JobRun(task_name=TASK_NAME, status="queued")
            session.add(run)
            await session.flush()
            run.procrastinate_job_id = await jobs.enqueue(
                session,
                find_duplicates,
                queueing_lock=lock,
                lock=lock,
                job_run_id=str(run.id),
                organization_id=str(principal.organization_id),
                object_types=types,
            )
    except AlreadyEnqueued:
        raise Conflict("a duplicate search is already queued", code="already_queued") from None
    await record_event(
        session,
        action="duplicate.run",
        actor=principal,
        entity_type="job_run",
        entity_id=run.id,
        meta={"types": types},
    )
    return run


# --- reading and dismissing -----------------------------------------------------------------------


def _scopes(principal: Principal, object_type: str, a: Any, b: Any) -> tuple[Any, Any]:
    resource = "contacts" if object_type == "contact" else "companies"
    scope = principal.scope(resource, Action.read)
    return scope_clause(scope, a.owner_id, principal), scope_clause(scope, b.owner_id, principal)


def _out(row: Any) -> SuggestionOut:
    suggestion = row[0]
    return SuggestionOut(
        id=suggestion.id,
        object_type=suggestion.object_type,
        score=suggestion.score,
        reason=suggestion.reason,
        status=suggestion.status,
        created_at=suggestion.created_at,
        record_a=RecordSummary(id=suggestion.record_a, name=row[1], detail=row[2], deleted=row[3]),
        record_b=RecordSummary(id=suggestion.record_b, name=row[4], detail=row[5], deleted=row[6]),
    )


async def list_suggestions(
    session: AsyncSession,
    principal: Principal,
    *,
    object_type: str,
    status: str,
    limit: int,
    cursor: str | None,
) -> Page[SuggestionOut]:
    """One query: the page of suggestions with both records' names, both within the caller's read scope."""
    sort_key = f"duplicates:{object_type}:{status}"
    after = None
    if cursor:
        score, last_id = decode_cursor(cursor, sort_key, 2)
        try:
            after = (float(score), uuid.UUID(str(last_id)))
        except (TypeError, ValueError):
            raise BadRequest("this cursor is invalid for this list", code="invalid_cursor") from None
    statement, a, b = repository.list_statement(object_type, status, after, limit)
    rows = (await session.execute(statement.where(*_scopes(principal, object_type, a, b)))).all()
    items = [_out(row) for row in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor(sort_key, [items[-1].score, str(items[-1].id)])
    return Page[SuggestionOut](items=items, next_cursor=next_cursor)


async def _visible(
    session: AsyncSession, principal: Principal, suggestion: DuplicateSuggestion
) -> SuggestionOut | None:
    statement, a, b = repository.list_statement(suggestion.object_type, suggestion.status, None, 1)
    statement = statement.where(*_scopes(principal, suggestion.object_type, a, b))
    row = (await session.execute(statement.where(DuplicateSuggestion.id == suggestion.id))).first()
    return None if row is None else _out(row)


async def dismiss(session: AsyncSession, principal: Principal, suggestion_id: uuid.UUID) -> SuggestionOut:
    """Mark a suggestion as not a duplicate: later runs keep it dismissed (idempotent)."""
    suggestion = await repository.get_suggestion(session, suggestion_id)
    visible = None if suggestion is None else await _visible(session, principal, suggestion)
    if suggestion is None or visible is None:
        raise NotFound("no such suggestion")
    if suggestion.status == "merged":
        raise Conflict("these records were merged already", code="already_merged")
    if suggestion.status == "open":
        suggestion.status = "dismissed"
        await session.flush()
        await record_event(
            session,
            action="duplicate.dismiss",
            actor=principal,
            entity_type=suggestion.object_type,
            entity_id=suggestion.record_a,
            meta={"suggestion_id": str(suggestion.id), "other_id": str(suggestion.record_b)},
        )
    return visible.model_copy(update={"status": suggestion.status})
