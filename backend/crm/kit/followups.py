"""What follows a change to a record: a live notification, and the jobs that must not be lost.

Every write calls ``await record_change(session, runtime, Change(...))`` once per change (one
``Change`` naming every id for bulk edits, import batches and merges). It does two things:

* after commit, bumps the organisation's cache generation and publishes the change on
  ``org:{id}:changes`` — best effort, pub/sub may drop it;
* right now, inside the caller's transaction, awaits every follow-up registered with
  ``@on_change(entity, ...)``. Follow-ups enqueue jobs with ``crm.core.jobs.enqueue`` on the same
  session, so a rollback drops the jobs with the write and a commit publishes both together.

Rule for follow-up modules: a handler registers itself when its module is imported, so it must live
in (or be imported by) a module listed in ``crm.core.jobs.TASK_MODULES`` — in practice the domain's
``tasks.py``. The first ``record_change`` in a process imports every task module, so the API and the
worker see the same handlers whatever happened to be imported before.

Bulk code groups the rows' changes with ``batched``: the changes recorded inside are merged per
(organisation, entity, verb) and handled once at the end, so a bulk edit of 500 rows enqueues one
job, not 500. A row that fails inside ``batch.row()`` takes its recorded changes back with it.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import after_commit
from crm.core.runtime import Runtime
from crm.kit.hotcache import bump_generation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    organization_id: uuid.UUID
    entity: str  # "contact" | "company" | "lead" | "deal" | "activity" | "pipeline" | ...
    ids: tuple[uuid.UUID, ...]  # one or many (bulk, import, merge)
    verb: str  # created | updated | deleted | restored | erased | merged | converted | ...
    fields: frozenset[str] = frozenset()  # changed field names on update (empty = unknown/all)
    # Who made the change (None for system jobs and API keys): lets follow-ups tell a
    # self-assignment from being assigned a record by someone else.
    actor_id: uuid.UUID | None = None


FollowUp = Callable[[AsyncSession, Change], Awaitable[None]]

_handlers: dict[str, list[FollowUp]] = {}
_loaded = False
_BATCH_KEY = "followups.batch"
_RUNTIME_KEY = "followups.runtime"


def on_change(*entities: str) -> Callable[[FollowUp], FollowUp]:
    """Register ``handler`` for changes to any of ``entities`` (decorator)."""
    if not entities:
        raise ValueError("on_change needs at least one entity")

    def register(handler: FollowUp) -> FollowUp:
        for entity in entities:
            bucket = _handlers.setdefault(entity, [])
            if handler not in bucket:
                bucket.append(handler)
        return handler

    return register


def handlers_for(entity: str) -> list[FollowUp]:
    _load_task_modules()
    return list(_handlers.get(entity, ()))


def _load_task_modules() -> None:
    # Imported here, not at module level: task modules import the services that import us.
    global _loaded
    if _loaded:
        return
    from crm.core.jobs import TASK_MODULES

    for name in TASK_MODULES:
        importlib.import_module(name)
    _loaded = True


async def record_change(session: AsyncSession, runtime: Runtime, change: Change) -> None:
    """Publish ``change`` live after commit and run its follow-ups now, in this transaction."""
    if not change.ids:
        return
    batch: Batch | None = session.info.get(_BATCH_KEY)
    if batch is not None:
        batch.pending.append(change)
        return
    await _dispatch(session, runtime, change)


def runtime_of(session: AsyncSession) -> Runtime:
    """The runtime of the write a follow-up is running for (handlers get only session and change)."""
    runtime: Runtime = session.info[_RUNTIME_KEY]
    return runtime


async def _dispatch(session: AsyncSession, runtime: Runtime, change: Change) -> None:
    session.info[_RUNTIME_KEY] = runtime
    for handler in handlers_for(change.entity):
        await handler(session, change)
    _publish_after_commit(session, runtime, change)


def _publish_after_commit(session: AsyncSession, runtime: Runtime, change: Change) -> None:
    # `id` stays for listeners written before changes could name several records.
    message = json.dumps(
        {
            "entity": change.entity,
            "id": str(change.ids[0]),
            "ids": [str(i) for i in change.ids],
            "verb": change.verb,
            "fields": sorted(change.fields),
        }
    )
    organization_id = change.organization_id

    async def send() -> None:
        with contextlib.suppress(Exception):  # pub/sub and cache generations are best effort by design
            await bump_generation(runtime.cache, organization_id)
            await runtime.cache.publish(f"org:{organization_id}:changes", message)

    after_commit(session, send)


@dataclass
class Batch:
    pending: list[Change] = field(default_factory=list)

    @contextlib.asynccontextmanager
    async def row(self) -> AsyncIterator[None]:
        """Wrap one row's work: if it raises, the changes it recorded are taken back."""
        mark = len(self.pending)
        try:
            yield
        except BaseException:
            del self.pending[mark:]
            raise


def merge(changes: list[Change]) -> list[Change]:
    """One change per (organisation, entity, verb, fields, actor), ids in first-seen order.

    Changes merge only when they name the same fields, so a follow-up can trust that every id in a
    merged change had exactly those fields changed (e.g. the owner, for assignment notices). A bulk
    edit applies one patch to every row, so its rows merge into one change unless some rows did not
    need part of the patch.
    """
    groups: dict[tuple[Any, ...], list[Change]] = {}
    for change in changes:
        key = (change.organization_id, change.entity, change.verb, change.fields, change.actor_id)
        groups.setdefault(key, []).append(change)
    merged = []
    for (organization_id, entity, verb, fields, actor_id), group in groups.items():
        ids = tuple(dict.fromkeys(i for c in group for i in c.ids))
        merged.append(Change(organization_id, entity, ids, verb, fields, actor_id))
    return merged


@contextlib.asynccontextmanager
async def batched(session: AsyncSession, runtime: Runtime) -> AsyncIterator[Batch]:
    """Collect the changes recorded inside and handle them as one per entity and verb at the end."""
    if session.info.get(_BATCH_KEY) is not None:
        raise RuntimeError("batched() does not nest")
    batch = Batch()
    session.info[_BATCH_KEY] = batch
    try:
        yield batch
    finally:
        session.info.pop(_BATCH_KEY, None)
    for change in merge(batch.pending):
        await _dispatch(session, runtime, change)
