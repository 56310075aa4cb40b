"""Bulk edits with a result per row, the same for every object: one bad row never stops the others.

Each row runs in its own savepoint inside one ``batched`` block: a row that fails (any
``AppError``: out of scope, stale, invalid) is undone alone and reported with its error, and
the changes of the rows that succeed are announced once for the whole batch. The permission
and scope checks are the object's own service functions, called for each row as a single edit
would call them; an object's ``bulk.py`` declares a ``RecordBulk``: its patch, its service
functions and which fields its bulk edit sets.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.principal import Principal
from crm.core.errors import AppError
from crm.core.runtime import Runtime
from crm.kit import examples as ex
from crm.kit.examples import example
from crm.kit.followups import batched

MAX_IDS = 500


class BulkDelete(BaseModel):
    model_config = example(
        {"ids": [ex.CONTACT_ID, ex.LEAD_ID]},
        extra="forbid",
    )
    ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_IDS)


class BulkResult(BaseModel):
    model_config = example({"id": ex.CONTACT_ID, "ok": True, "error": None})
    id: uuid.UUID
    ok: bool
    error: str | None = None


class BulkResponse(BaseModel):
    model_config = example(
        {
            "results": [
                {"id": ex.CONTACT_ID, "ok": True, "error": None},
                {"id": ex.LEAD_ID, "ok": False, "error": "not_found"},
            ]
        }
    )
    results: list[BulkResult]


class BulkEdit(Protocol):
    """What every bulk-update body is: a model with the ids (and, objects with tags, tags to add
    and remove)."""

    ids: list[uuid.UUID]

    def model_dump(self, *, include: set[str], exclude_none: bool) -> dict[str, Any]: ...


B = TypeVar("B", bound=BulkEdit)


class Tagged(Protocol):
    tags: list[str]


# The signatures every record service shares: get(session, runtime, principal, id),
# update(session, runtime, principal, id, patch, *, expected_version), soft_delete(…, id).
Getter = Callable[[AsyncSession, Runtime, Principal, uuid.UUID], Awaitable[Tagged]]
Updater = Callable[..., Awaitable[Any]]
Deleter = Callable[[AsyncSession, Runtime, Principal, uuid.UUID], Awaitable[None]]


async def each_row(
    session: AsyncSession,
    runtime: Runtime,
    ids: Iterable[uuid.UUID],
    edit: Callable[[uuid.UUID], Awaitable[object]],
) -> BulkResponse:
    """``edit`` every id once (repeats dropped, order kept), each in its own savepoint."""
    results = []
    async with batched(session, runtime) as batch:
        for record_id in dict.fromkeys(ids):
            try:
                async with batch.row(), session.begin_nested():
                    await edit(record_id)
                results.append(BulkResult(id=record_id, ok=True))
            except AppError as error:
                results.append(BulkResult(id=record_id, ok=False, error=error.detail))
    return BulkResponse(results=results)


def retagged(current: Iterable[str], add: Iterable[str] | None, remove: Iterable[str] | None) -> list[str]:
    return sorted((set(current) | set(add or [])) - set(remove or []))


@dataclass(frozen=True)
class RecordBulk(Generic[B]):
    """The bulk update and bulk delete of one object, from its service's own functions.

    A bulk update sets the body's ``fields`` that are given (not null) on every row; a field
    in ``only_with`` goes along only when the field it names is set too (a lost reason with a
    status change). With ``get`` each row is first read as the caller sees it (read scope, and
    its current tags, which the body's ``add_tags``/``remove_tags`` change); without it
    (objects with no tags) the patch goes straight to ``update``.
    """

    patch_model: type[BaseModel]
    fields: frozenset[str]
    update: Updater
    soft_delete: Deleter
    get: Getter | None = None
    only_with: Mapping[str, str] = field(default_factory=dict)

    def patch_of(self, body: B) -> dict[str, object]:
        given = body.model_dump(exclude_none=True, include=set(self.fields))
        return {
            name: value
            for name, value in given.items()
            if name not in self.only_with or self.only_with[name] in given
        }

    async def bulk_update(
        self, session: AsyncSession, runtime: Runtime, principal: Principal, body: B
    ) -> BulkResponse:
        fields = self.patch_of(body)
        add, remove = getattr(body, "add_tags", None), getattr(body, "remove_tags", None)

        async def edit(record_id: uuid.UUID) -> None:
            patch = dict(fields)
            if self.get is not None:
                current = await self.get(session, runtime, principal, record_id)
                if add or remove:
                    patch["tags"] = retagged(current.tags, add, remove)
            await self.update(
                session, runtime, principal, record_id, self.patch_model(**patch), expected_version=None
            )

        return await each_row(session, runtime, body.ids, edit)

    async def bulk_delete(
        self, session: AsyncSession, runtime: Runtime, principal: Principal, body: BulkDelete
    ) -> BulkResponse:
        async def edit(record_id: uuid.UUID) -> None:
            await self.soft_delete(session, runtime, principal, record_id)

        return await each_row(session, runtime, body.ids, edit)
