"""Notifications: created by follow-ups and jobs, read by their recipient only.

Creating one also publishes it on ``user:{id}:notifications`` after commit, so an open app shows it
at once; the row is the truth and the live message may be dropped.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth.principal import Principal
from crm.core.db import after_commit
from crm.core.errors import BadRequest, NotFound
from crm.core.runtime import Runtime
from crm.notification import repository
from crm.notification.schemas import NotificationOut, NotificationPage, ReadAllOut

TITLE_MAX = 300


class InvalidCursor(BadRequest):
    code = "invalid_cursor"


@dataclass(frozen=True)
class NewNotification:
    user_id: uuid.UUID
    kind: str
    title: str
    body: str | None = None
    entity: str | None = None
    entity_id: uuid.UUID | None = None


def channel(user_id: uuid.UUID) -> str:
    return f"user:{user_id}:notifications"


def _publish(
    session: AsyncSession, runtime: Runtime, messages: dict[uuid.UUID, list[dict[str, object]]]
) -> None:
    async def send() -> None:
        for user_id, events in messages.items():
            for event in events:
                with contextlib.suppress(Exception):  # live delivery is best effort; the row stays
                    await runtime.cache.publish(channel(user_id), json.dumps(event))

    if messages:
        after_commit(session, send)


async def notify(
    session: AsyncSession, runtime: Runtime, items: Sequence[NewNotification]
) -> list[NotificationOut]:
    """Store notifications in the current organisation and announce them after commit."""
    rows = await repository.insert_many(
        session,
        [
            {
                "user_id": item.user_id,
                "kind": item.kind,
                "title": item.title[:TITLE_MAX],
                "body": item.body,
                "entity": item.entity,
                "entity_id": item.entity_id,
            }
            for item in items
        ],
    )
    out = [NotificationOut.model_validate(row) for row in rows]
    messages: dict[uuid.UUID, list[dict[str, object]]] = {}
    for row, public in zip(rows, out, strict=True):
        messages.setdefault(row.user_id, []).append({"event": "created", **public.model_dump(mode="json")})
    _publish(session, runtime, messages)
    return out


def _encode_cursor(created_at: dt.datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps([created_at.isoformat(), str(row_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, row_id = json.loads(raw)
        when = dt.datetime.fromisoformat(created_at)
        if when.tzinfo is None:
            raise ValueError("naive time")
        return when, uuid.UUID(row_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidCursor("the cursor is not one this endpoint returned") from None


def _user(principal: Principal) -> uuid.UUID:
    assert principal.user_id is not None  # the endpoint dependency admits users only
    return principal.user_id


async def list_mine(
    session: AsyncSession, principal: Principal, *, unread: bool, limit: int, cursor: str | None
) -> NotificationPage:
    user_id = _user(principal)
    after = _decode_cursor(cursor) if cursor else None
    rows = await repository.page(session, user_id, unread=unread, limit=limit, after=after)
    items = rows[:limit]
    return NotificationPage(
        items=[NotificationOut.model_validate(row) for row in items],
        next_cursor=_encode_cursor(items[-1].created_at, items[-1].id) if len(rows) > limit else None,
        unread_count=await repository.unread_count(session, user_id),
    )


async def read_one(
    session: AsyncSession, runtime: Runtime, principal: Principal, notification_id: uuid.UUID
) -> NotificationOut:
    user_id = _user(principal)
    row = await repository.mark_read(session, user_id, notification_id)
    if row is None:
        # Someone else's notification looks exactly like a missing one.
        raise NotFound("no such notification", code="notification_not_found")
    await record_event(
        session, action="notification.read", actor=principal, entity_type="notification", entity_id=row.id
    )
    _publish(session, runtime, {user_id: [{"event": "read", "ids": [str(row.id)]}]})
    return NotificationOut.model_validate(row)


async def read_all(session: AsyncSession, runtime: Runtime, principal: Principal) -> ReadAllOut:
    user_id = _user(principal)
    ids = await repository.mark_all_read(session, user_id)
    if ids:
        await record_event(
            session,
            action="notification.read_all",
            actor=principal,
            entity_type="user",
            entity_id=user_id,
            meta={"marked": len(ids)},
        )
        _publish(session, runtime, {user_id: [{"event": "read_all"}]})
    return ReadAllOut(marked=len(ids), unread_count=await repository.unread_count(session, user_id))
