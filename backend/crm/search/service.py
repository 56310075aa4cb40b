"""Hybrid search: PostgreSQL full-text candidates + pgvector nearest neighbours, fused by reciprocal
rank, every candidate filtered by the caller's record scope before it can rank.

Permission filtering happens before fusion, on both rankers: the vector ranker over-fetches from the
organisation's HNSW index until it holds ``limit`` records the caller may read, and when the index's
window (1,000 rows) runs out first, it finishes with an exact scan of the records the caller's scope
reaches. So a query returns ``limit`` results whenever that many matching readable records exist.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai.client import AIRejected, AIUnavailable
from crm.auth.permissions import Action, Scope
from crm.auth.principal import Principal
from crm.core.config import Settings
from crm.core.errors import BadRequest
from crm.core.runtime import Runtime
from crm.flags import service as flags
from crm.kit.records import scope_clause
from crm.search import embedder, repository, store
from crm.search.fusion import rrf
from crm.search.pinecone_store import VectorStoreUnavailable
from crm.search.schemas import HitType, SearchHit, SearchResponse

log = logging.getLogger(__name__)

RESOURCE_OF: dict[str, str] = {
    "contact": "contacts",
    "company": "companies",
    "deal": "deals",
    "activity": "activities",
    "lead": "leads",
}
# Searchable types; a transcript has no permission of its own: it is readable with its record.
TYPES = (*RESOURCE_OF, "transcript")
FLAG = "ai.semantic_search"
# Candidates per ranker before fusion: what ai/evals/search_eval.py measures recall with.
CANDIDATES = 50
MAX_QUERY_TERMS = 16
# Words too common to find anything by (PostgreSQL's 'simple' configuration keeps them).
_STOP = "a an and are as at be but by for from has have i in is it its of on or that the their this to was"
STOP_WORDS = frozenset([*_STOP.split(), "were", "will", "with", "who", "which", "what", "where", "when"])
_WORD = re.compile(r"[^\W_]+")

Key = tuple[str, uuid.UUID]


def parse_types(raw: str | None) -> list[str]:
    if not raw:
        return list(TYPES)
    asked = [t.strip() for t in raw.split(",") if t.strip()]
    unknown = sorted(set(asked) - set(TYPES))
    if unknown or not asked:
        raise BadRequest(
            f"types: unknown {', '.join(unknown) or '(empty)'}; use {', '.join(TYPES)}",
            code="invalid_types",
        )
    return list(dict.fromkeys(asked))


def tsquery_of(q: str) -> str | None:
    """An OR of the query's words for ``to_tsquery('simple', …)``, the last one as a prefix (people
    type as they search). Only letters and digits survive, so no input can be tsquery syntax."""
    words = [w for w in dict.fromkeys(_WORD.findall(q.lower())) if w not in STOP_WORDS][:MAX_QUERY_TERMS]
    if not words:
        return None
    if q[-1:].isalnum():
        words[-1] += ":*"
    return " | ".join(words)


@dataclass
class _Candidates:
    order: list[Key]
    display: dict[Key, tuple[str, str]]


def _readable(principal: Principal, entity: str) -> tuple[Scope, ColumnElement[bool]] | None:
    scope = principal.scope(RESOURCE_OF[entity], Action.read)
    if scope is Scope.none:
        return None
    return scope, scope_clause(scope, repository.MODELS[entity].owner_id, principal)


def _scopes(principal: Principal, types: Sequence[str]) -> dict[str, tuple[Scope, ColumnElement[bool]]]:
    out: dict[str, tuple[Scope, ColumnElement[bool]]] = {}
    for entity in types:
        if entity == "transcript":
            continue
        if (readable := _readable(principal, entity)) is not None:
            out[entity] = readable
    if "transcript" in types:
        parents = {t: r for t in repository.TRANSCRIBED if (r := _readable(principal, t)) is not None}
        clause = repository.transcript_scope({t: c for t, (_, c) in parents.items()})
        if clause is not None:
            # Narrow unless every record type is readable in full: the exact fallback then applies.
            wide = len(parents) == len(repository.TRANSCRIBED) and all(
                s is Scope.all for s, _ in parents.values()
            )
            out["transcript"] = (Scope.all if wide else Scope.own, clause)
    return out


async def _fulltext(
    session: AsyncSession, q: str, scopes: dict[str, tuple[Scope, ColumnElement[bool]]]
) -> _Candidates:
    tsquery = tsquery_of(q)
    if tsquery is None:
        return _Candidates([], {})
    found: list[tuple[float, Key]] = []
    display: dict[Key, tuple[str, str]] = {}
    for entity, (_, clause) in scopes.items():
        for entity_id, rank, title, snippet in await repository.fulltext(
            session, entity, tsquery, clause, CANDIDATES
        ):
            found.append((rank, (entity, entity_id)))
            display[(entity, entity_id)] = (title, snippet)
    found.sort(key=lambda x: (-x[0], x[1][0], str(x[1][1])))
    return _Candidates([key for _, key in found[:CANDIDATES]], display)


async def _vector(
    session: AsyncSession,
    settings: Settings,
    organization_id: uuid.UUID,
    query: list[float],
    model: str,
    scopes: dict[str, tuple[Scope, ColumnElement[bool]]],
    want: int,
) -> _Candidates:
    best: dict[Key, float] = {}
    display: dict[Key, tuple[str, str]] = {}
    checked: set[Key] = set()
    n = max(100, 4 * want)
    while True:
        rows = await store.nearest(session, settings, organization_id, query, n, model=model)
        fresh: dict[str, list[uuid.UUID]] = {}
        for entity, entity_id, distance in rows:
            key = (entity, entity_id)
            if entity not in scopes:
                continue
            if key in checked:
                if key in best:
                    best[key] = min(best[key], distance)
                continue
            checked.add(key)
            best[key] = distance  # provisional: kept only if visible below
            fresh.setdefault(entity, []).append(entity_id)
        for entity, ids in fresh.items():
            seen = await repository.visible(session, entity, ids, scopes[entity][1])
            for entity_id in ids:
                key = (entity, entity_id)
                if entity_id in seen:
                    display[key] = seen[entity_id]
                else:
                    best.pop(key, None)
        exhausted = len(rows) < n
        if len(best) >= want or exhausted:
            break
        if n >= repository.MAX_EF_SEARCH:
            # The index's window is spent on records this caller may not read: finish exactly,
            # within each narrow scope (an "all" scope would have been satisfied above).
            for entity, (scope, clause) in scopes.items():
                if scope is Scope.all:
                    continue
                exact = await store.nearest_within(
                    session, settings, organization_id, entity, query, clause, want, model=model
                )
                for entity_id, distance in exact:
                    key = (entity, entity_id)
                    best[key] = min(best.get(key, distance), distance)
                missing = [i for i, _ in exact if (entity, i) not in display]
                for entity_id, shown in (await repository.visible(session, entity, missing, clause)).items():
                    display[(entity, entity_id)] = shown
            best = {k: d for k, d in best.items() if k in display}
            break
        n = min(repository.MAX_EF_SEARCH, n * 4)
    order = sorted(best, key=lambda k: (best[k], k[0], str(k[1])))
    return _Candidates(order[: max(want, CANDIDATES)], display)


async def search(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    *,
    q: str,
    types: Sequence[str],
    limit: int,
) -> SearchResponse:
    q = q.strip()
    if not q:
        raise BadRequest("q: type something to search for", code="empty_query")
    scopes = _scopes(principal, types)
    if not scopes:
        return SearchResponse(
            query=q, items=[], semantic=False, reason="no searchable record type is readable"
        )
    fulltext = await _fulltext(session, q, scopes)
    vector = _Candidates([], {})
    semantic, reason, model = False, None, None
    if not await flags.is_enabled(session, principal, FLAG):
        reason = "semantic search is switched off for this organisation"
    else:
        try:
            embedded = await embedder.embed(
                runtime.settings,
                principal.organization_id,
                [q],
                interactive=True,
                subject=str(principal.actor_id) if principal.actor_id else None,
            )
        except (AIUnavailable, AIRejected) as exc:
            reason = f"keyword results only: {exc.detail}"
            log.warning("semantic search unavailable", extra={"reason": exc.detail})
        else:
            model = embedded.model
            try:
                # Only the stored vectors of the query vector's own model: after a model change,
                # records not yet re-embedded are found by their words until the reindex reaches them.
                vector = await _vector(
                    session,
                    runtime.settings,
                    principal.organization_id,
                    embedded.vectors[0],
                    embedded.model_id,
                    scopes,
                    limit,
                )
                semantic = True
            except VectorStoreUnavailable as exc:
                reason = "keyword results only: the vector store is unavailable"
                log.warning("vector store unavailable", extra={"reason": str(exc)})
    fused = rrf([("vector", vector.order), ("fulltext", fulltext.order)])[:limit]
    display = {**fulltext.display, **vector.display}
    items = []
    for hit in fused:
        entity, entity_id = hit.key
        title, snippet = display[hit.key]
        ranks = {name: rank for name, rank in hit.ranks.items() if name in ("vector", "fulltext")}
        items.append(
            SearchHit(
                type=_hit_type(entity),
                id=entity_id,
                title=title,
                snippet=snippet,
                score=round(hit.score, 6),
                ranks=ranks,
                found_by=sorted(ranks),
            )
        )
    return SearchResponse(query=q, items=items, semantic=semantic, reason=reason, model=model)


def _hit_type(entity: str) -> HitType:
    assert entity in TYPES
    return entity  # type: ignore[return-value]
