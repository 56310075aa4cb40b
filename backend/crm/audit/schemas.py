"""Shapes of the audit trail: query filters, and what the list endpoint returns."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from crm.auth.principal import ActorType
from crm.kit import examples as ex
from crm.kit.examples import example, list_example


@dataclass(frozen=True)
class AuditFilters:
    """What the caller narrowed the trail to; ``action`` ending in ``.*`` matches a prefix."""

    actor_id: uuid.UUID | None = None
    actor_type: ActorType | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    since: dt.datetime | None = None  # inclusive
    until: dt.datetime | None = None  # exclusive

    def as_meta(self) -> dict[str, str]:
        """The filters as recorded on the ``audit.export`` event (identifiers only, never PII)."""
        shown = {
            "actor_id": self.actor_id,
            "actor_type": self.actor_type,
            "action": self.action,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        return {key: str(value) for key, value in shown.items() if value is not None}


class FieldChange(BaseModel):
    model_config = example({"before": "qualified", "after": "customer"})
    before: Any
    after: Any


class AuditEventRead(BaseModel):
    model_config = example(
        {
            "id": 48213,
            "occurred_at": ex.UPDATED_AT,
            "actor_type": "user",
            "actor_id": ex.USER_ID,
            "session_id": ex.SESSION_ID,
            "action": "contact.update",
            "entity_type": "contact",
            "entity_id": ex.CONTACT_ID,
            "changes": {"lifecycle_stage": {"before": "qualified", "after": "customer"}},
            "redacted_fields": ["emails"],
            "ip": "203.0.113.24",
            "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) Firefox/132.0",
            "device": "Firefox 132 on Mac OS X (Mac)",
            "request_id": "req_01HV3K9QZ8",
            "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
            "meta": {},
        }
    )
    id: int  # the event's sequence number: increasing, never reused
    occurred_at: dt.datetime
    actor_type: ActorType | None
    actor_id: uuid.UUID | None
    session_id: uuid.UUID | None
    action: str
    entity_type: str | None
    entity_id: str | None
    changes: dict[str, FieldChange]
    redacted_fields: list[str]  # changed, but personal data or secret: the value is never kept
    ip: str | None
    user_agent: str | None
    device: str | None  # parsed from the user agent, e.g. "Chrome 120 on Mac OS X (Mac)"
    request_id: str | None
    trace_id: str | None
    meta: dict[str, Any]


class AuditEventPage(BaseModel):
    model_config = example(list_example(AuditEventRead, next_cursor=ex.CURSOR))
    items: list[AuditEventRead]
    next_cursor: str | None
