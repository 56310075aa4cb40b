"""Pipelines and their ordered stages, per organisation, cached.

Deals, the board and the dashboards read pipelines on nearly every request, and they rarely
change: the whole set of an organisation is cached (``runtime.cache``, Redis or in-process)
and dropped on every write, both at once and again after commit, so a reader that raced the
write cannot leave the old set behind. A transaction that wrote never fills the cache.
An organisation with no pipeline gets the default one ("Patient journey") on first use.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth.principal import Principal
from crm.core.db import after_commit
from crm.core.errors import BadRequest, Conflict, NotFound
from crm.core.runtime import Runtime
from crm.kit.followups import Change, record_change
from crm.models import Pipeline, Stage
from crm.pipeline import repository
from crm.pipeline.schemas import (
    PipelineCreate,
    PipelineOut,
    PipelinePatch,
    StageIn,
    StageOut,
)

CACHE_TTL_S = 600.0
DEFAULT_PIPELINE = "Patient journey"
DEFAULT_STAGES: tuple[tuple[str, int, bool, bool], ...] = (
    ("Enquiry", 10, False, False),
    ("Consultation booked", 25, False, False),
    ("Treatment plan", 50, False, False),
    ("Proposal sent", 75, False, False),
    ("Won", 100, True, False),
    ("Lost", 0, False, True),
)
_DIRTY = "pipelines_written"


@dataclass(frozen=True)
class StageInfo:
    id: uuid.UUID
    pipeline_id: uuid.UUID
    name: str
    position: int
    probability: int
    is_won: bool
    is_lost: bool

    @property
    def closed(self) -> bool:
        return self.is_won or self.is_lost

    def out(self) -> StageOut:
        return StageOut(**self.__dict__)


@dataclass(frozen=True)
class PipelineInfo:
    id: uuid.UUID
    name: str
    position: int
    is_default: bool
    archived_at: dt.datetime | None
    stages: tuple[StageInfo, ...]

    def out(self) -> PipelineOut:
        return PipelineOut(
            id=self.id,
            name=self.name,
            position=self.position,
            is_default=self.is_default,
            archived_at=self.archived_at,
            stages=[stage.out() for stage in self.stages],
        )

    def stage(self, stage_id: uuid.UUID) -> StageInfo | None:
        return next((stage for stage in self.stages if stage.id == stage_id), None)

    def first_open_stage(self) -> StageInfo | None:
        return next((stage for stage in self.stages if not stage.closed), None)


@dataclass(frozen=True)
class Pipelines:
    """An organisation's pipelines (archived too), in order."""

    items: tuple[PipelineInfo, ...]

    def get(self, pipeline_id: uuid.UUID) -> PipelineInfo | None:
        return next((p for p in self.items if p.id == pipeline_id), None)

    def stage(self, stage_id: uuid.UUID) -> StageInfo | None:
        return next((s for p in self.items for s in p.stages if s.id == stage_id), None)

    def default(self) -> PipelineInfo | None:
        live = [p for p in self.items if p.archived_at is None]
        return next((p for p in live if p.is_default), live[0] if live else None)


def _cache_key(organization_id: uuid.UUID) -> str:
    return f"pipelines:{organization_id}"


def _info(pipeline: Pipeline, stages: Iterable[Stage]) -> PipelineInfo:
    return PipelineInfo(
        id=pipeline.id,
        name=pipeline.name,
        position=pipeline.position,
        is_default=pipeline.is_default,
        archived_at=pipeline.archived_at,
        stages=tuple(
            StageInfo(s.id, s.pipeline_id, s.name, s.position, s.probability, s.is_won, s.is_lost)
            for s in stages
        ),
    )


def _dump(pipelines: Pipelines) -> str:
    def pipeline(p: PipelineInfo) -> dict[str, Any]:
        return {
            "id": str(p.id),
            "name": p.name,
            "position": p.position,
            "is_default": p.is_default,
            "archived_at": p.archived_at.isoformat() if p.archived_at else None,
            "stages": [[str(s.id), s.name, s.position, s.probability, s.is_won, s.is_lost] for s in p.stages],
        }

    return json.dumps([pipeline(p) for p in pipelines.items], separators=(",", ":"))


def _load(raw: bytes) -> Pipelines:
    items = []
    for p in json.loads(raw):
        pipeline_id = uuid.UUID(p["id"])
        items.append(
            PipelineInfo(
                id=pipeline_id,
                name=p["name"],
                position=p["position"],
                is_default=p["is_default"],
                archived_at=dt.datetime.fromisoformat(p["archived_at"]) if p["archived_at"] else None,
                stages=tuple(
                    StageInfo(uuid.UUID(s[0]), pipeline_id, s[1], s[2], s[3], s[4], s[5]) for s in p["stages"]
                ),
            )
        )
    return Pipelines(tuple(items))


async def load(session: AsyncSession, runtime: Runtime, organization_id: uuid.UUID) -> Pipelines:
    """The organisation's pipelines: from the cache when warm, else one query (then cached)."""
    written = session.info.get(_DIRTY, False)
    if not written:
        raw = await runtime.cache.get(_cache_key(organization_id))
        if raw is not None:
            return _load(raw)
    pipelines = Pipelines(tuple(_info(p, s) for p, s in await repository.all_with_stages(session)))
    if not written:
        await runtime.cache.set(_cache_key(organization_id), _dump(pipelines), ttl=CACHE_TTL_S)
    return pipelines


async def forget(session: AsyncSession, runtime: Runtime, organization_id: uuid.UUID) -> None:
    session.info[_DIRTY] = True
    key = _cache_key(organization_id)
    await runtime.cache.delete(key)

    async def again() -> None:
        await runtime.cache.delete(key)

    after_commit(session, again)


async def ensure(session: AsyncSession, runtime: Runtime, principal: Principal) -> Pipelines:
    """The pipelines, creating the default one first if the organisation has none."""
    pipelines = await load(session, runtime, principal.organization_id)
    if pipelines.items:
        return pipelines
    # Two first requests at once must not both create it: the second waits, then sees it.
    await repository.lock(session, f"pipelines:{principal.organization_id}")
    existing = await repository.all_with_stages(session)
    if existing:
        return Pipelines(tuple(_info(p, s) for p, s in existing))
    stages = [StageIn(name=n, probability=p, is_won=w, is_lost=lost) for n, p, w, lost in DEFAULT_STAGES]
    await _insert(
        session, runtime, principal, PipelineCreate(name=DEFAULT_PIPELINE, stages=stages, is_default=True)
    )
    return await load(session, runtime, principal.organization_id)


def stage_probability(stage: StageIn) -> int:
    if stage.probability is not None:
        return stage.probability
    return 100 if stage.is_won else 0


def check_flags(is_won: bool, is_lost: bool) -> None:
    if is_won and is_lost:
        raise BadRequest("a stage is won or lost, not both", code="invalid_stage")


async def _insert(
    session: AsyncSession, runtime: Runtime, principal: Principal, body: PipelineCreate
) -> Pipeline:
    name = body.name.strip()
    if not name:
        raise BadRequest("a pipeline needs a name", code="invalid_name")
    if await repository.name_taken(session, name):
        raise Conflict(f"a pipeline named {name!r} exists", code="pipeline_exists")
    for stage in body.stages:
        check_flags(stage.is_won, stage.is_lost)
    pipeline = Pipeline(id=uuid.uuid4(), name=name, position=await repository.next_position(session))
    session.add(pipeline)
    for position, stage in enumerate(body.stages):
        session.add(
            Stage(
                pipeline_id=pipeline.id,
                name=stage.name.strip(),
                position=position,
                probability=stage_probability(stage),
                is_won=stage.is_won,
                is_lost=stage.is_lost,
            )
        )
    await session.flush()
    if body.is_default:
        await repository.make_default(session, pipeline.id)
    await forget(session, runtime, principal.organization_id)
    await record_event(
        session,
        action="pipeline.create",
        actor=principal,
        entity_type="pipeline",
        entity_id=pipeline.id,
        changes={"name": (None, name), "stages": (None, [s.name for s in body.stages])},
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, "pipeline", (pipeline.id,), "created", actor_id=principal.user_id),
    )
    return pipeline


async def _found(
    session: AsyncSession, runtime: Runtime, principal: Principal, pipeline_id: uuid.UUID
) -> PipelineInfo:
    pipeline = (await load(session, runtime, principal.organization_id)).get(pipeline_id)
    if pipeline is None:
        raise NotFound("no such pipeline")
    return pipeline


async def list_pipelines(
    session: AsyncSession, runtime: Runtime, principal: Principal, *, include_archived: bool
) -> list[PipelineOut]:
    pipelines = await ensure(session, runtime, principal)
    return [p.out() for p in pipelines.items if include_archived or p.archived_at is None]


async def get_pipeline(
    session: AsyncSession, runtime: Runtime, principal: Principal, pipeline_id: uuid.UUID
) -> PipelineOut:
    return (await _found(session, runtime, principal, pipeline_id)).out()


async def create_pipeline(
    session: AsyncSession, runtime: Runtime, principal: Principal, body: PipelineCreate
) -> PipelineOut:
    await ensure(session, runtime, principal)  # the default exists before any other
    pipeline = await _insert(session, runtime, principal, body)
    return await get_pipeline(session, runtime, principal, pipeline.id)


async def update_pipeline(
    session: AsyncSession, runtime: Runtime, principal: Principal, pipeline_id: uuid.UUID, body: PipelinePatch
) -> PipelineOut:
    pipeline = await repository.get_pipeline(session, pipeline_id)
    if pipeline is None:
        raise NotFound("no such pipeline")
    changes: dict[str, tuple[Any, Any]] = {}
    if body.name is not None and body.name.strip() != pipeline.name:
        name = body.name.strip()
        if await repository.name_taken(session, name, exclude=pipeline.id):
            raise Conflict(f"a pipeline named {name!r} exists", code="pipeline_exists")
        changes["name"] = (pipeline.name, name)
        pipeline.name = name
    if body.position is not None and body.position != pipeline.position:
        changes["position"] = (pipeline.position, body.position)
        pipeline.position = body.position
    if body.archived is not None and body.archived != (pipeline.archived_at is not None):
        if body.archived and (pipeline.is_default or body.is_default):
            raise Conflict(
                "make another pipeline the default before archiving this one", code="default_pipeline"
            )
        changes["archived"] = (not body.archived, body.archived)
        pipeline.archived_at = dt.datetime.now(dt.UTC) if body.archived else None
    if body.is_default is not None and body.is_default != pipeline.is_default:
        if not body.is_default:
            raise BadRequest("make another pipeline the default instead", code="default_pipeline")
        if pipeline.archived_at is not None:
            raise Conflict("an archived pipeline cannot be the default", code="archived_pipeline")
        changes["is_default"] = (False, True)
        await session.flush()
        await repository.make_default(session, pipeline.id)
    if changes:
        await session.flush()
        await forget(session, runtime, principal.organization_id)
        await record_event(
            session,
            action="pipeline.update",
            actor=principal,
            entity_type="pipeline",
            entity_id=pipeline.id,
            changes=changes,
        )
        await record_change(
            session,
            runtime,
            Change(
                principal.organization_id, "pipeline", (pipeline.id,), "updated", actor_id=principal.user_id
            ),
        )
    return await get_pipeline(session, runtime, principal, pipeline_id)


async def delete_pipeline(
    session: AsyncSession, runtime: Runtime, principal: Principal, pipeline_id: uuid.UUID
) -> None:
    pipeline = await repository.get_pipeline(session, pipeline_id)
    if pipeline is None:
        raise NotFound("no such pipeline")
    if pipeline.is_default:
        raise Conflict("the default pipeline cannot be deleted", code="default_pipeline")
    if await repository.pipeline_has_deals(session, pipeline_id):
        raise Conflict("this pipeline has deals: archive it instead", code="pipeline_in_use")
    await session.delete(pipeline)
    await session.flush()
    await forget(session, runtime, principal.organization_id)
    await record_event(
        session, action="pipeline.delete", actor=principal, entity_type="pipeline", entity_id=pipeline_id
    )
    await record_change(
        session,
        runtime,
        Change(principal.organization_id, "pipeline", (pipeline_id,), "deleted", actor_id=principal.user_id),
    )
