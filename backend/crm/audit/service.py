"""Recording audit events (used by every domain), and reading them back for admins.

``record_event`` is one INSERT in the caller's transaction: the event exists exactly when
the change it describes was committed. It never stores a value of personal data or a
secret: PII fields (``pii_fields``) and secret-looking fields are kept by name only, so
erasing a person never needs to touch the audit log.
"""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import decimal
import enum
import functools
import importlib
import io
import ipaddress
import json
import logging
import re
import uuid
from collections.abc import AsyncIterator, Collection, Mapping
from typing import Any

from pydantic import SecretBytes, SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit import repository
from crm.audit.repository import AnyRow
from crm.audit.schemas import AuditEventPage, AuditEventRead, AuditFilters, FieldChange
from crm.auth.principal import ActorType, Principal
from crm.core.errors import BadRequest
from crm.core.telemetry import request_id_var
from crm.kit.examples import declared_examples

log = logging.getLogger(__name__)

ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
MAX_ACTION = 100
MAX_VALUE_CHARS = 1000  # a longer text value is cut: the trail says what changed, not every byte
REDACTED = "[redacted]"
# Field and meta names whose values are secrets, whatever the caller says: password,
# password_hash, refresh_token, totp_secret, api_key, client_secret, authorization, …
SECRET_NAME = re.compile(
    r"(^|[_.\-])(password|passwd|secret|token|api_?key|private_?key|hash|otp|recovery_codes?"
    r"|authorization|cookie|credentials?|salt|ciphertext)($|[_.\-])",
    re.IGNORECASE,
)


class InvalidCursor(BadRequest):
    code = "invalid_cursor"


def is_secret_name(name: str) -> bool:
    return SECRET_NAME.search(name) is not None


# --- recording ----------------------------------------------------------------------------


async def record_event(
    session: AsyncSession,
    *,
    action: str,
    actor: Principal | None,
    entity_type: str | None = None,
    entity_id: uuid.UUID | str | None = None,
    changes: Mapping[str, tuple[Any, Any]] | None = None,
    pii_fields: Collection[str] = (),
    organization_id: uuid.UUID | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    meta: Mapping[str, Any] | None = None,
    actor_type: ActorType | None = None,
    actor_id: uuid.UUID | None = None,
) -> None:
    """Append one event to the organisation's audit trail, in the caller's transaction.

    ``action`` is ``<entity>.<verb>`` (``contact.update``, ``auth.login_failed``).
    ``changes`` maps a field to ``(before, after)``; unchanged pairs are dropped, and a field
    named in ``pii_fields`` (or named like a secret, or holding bytes) is kept by name only.
    ``entity_id`` and ``meta`` must hold identifiers, never personal data (e.g. an AI action's
    ``{"model": …, "version": …}``). Without ``actor`` (a security event before sign-in) pass
    ``organization_id`` where known, and ``actor_type``/``actor_id`` if the user is known.
    IP, user agent and request id default to the actor's and the current request's.
    """
    if len(action) > MAX_ACTION or not ACTION.match(action):
        raise ValueError(f"audit action must look like 'contact.update', got {action[:MAX_ACTION]!r}")
    org = organization_id or (actor.organization_id if actor else None)
    if org is None:
        org = await repository.current_org(session)
    if org is None:
        # A tenant-owned trail cannot hold it: keep the fact in the (shipped) logs instead.
        log.warning("audit event with no organisation", extra={"audit_action": action, "ip": _ip(ip)})
        return
    ordinary, redacted = split_changes(changes or {}, pii_fields)
    kind = actor_type or (actor.actor_type if actor else None)
    values: dict[str, Any] = {
        "organization_id": org,
        "actor_type": ActorType(kind).value if kind else None,
        "actor_id": actor_id or (actor.actor_id if actor else None),
        "session_id": actor.session_id if actor else None,
        "action": action,
        "entity_type": _text(entity_type, 60),
        "entity_id": _text(str(entity_id) if entity_id is not None else None, 200),
        "changes": ordinary or None,
        "redacted_fields": redacted or None,
        "ip": _ip(ip or (actor.ip if actor else None)),
        "user_agent": _text(user_agent or (actor.user_agent if actor else None), 512),
        "request_id": _text(request_id_var.get() or (actor.request_id if actor else None), 64),
        "trace_id": current_trace_id(),
        "meta": scrub(meta) if meta else None,
    }
    switch = actor is None or actor.organization_id != org
    await repository.insert_event(session, values, switch_tenant=switch)


def split_changes(
    changes: Mapping[str, tuple[Any, Any]], pii_fields: Collection[str]
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Ordinary fields with before/after values, and the sorted names of redacted fields."""
    pii = set(pii_fields)
    ordinary: dict[str, dict[str, Any]] = {}
    redacted: set[str] = set()
    for name, (before, after) in changes.items():
        if _same(before, after):
            continue
        field = _clean(str(name))[:100]
        if field in pii or name in pii or is_secret_name(field) or _opaque(before) or _opaque(after):
            redacted.add(field)
        else:
            ordinary[field] = {"before": jsonable(before), "after": jsonable(after)}
    return ordinary, sorted(redacted)


def _same(before: Any, after: Any) -> bool:
    try:
        return bool(before == after) and type(before) is type(after)
    except Exception:  # an exotic __eq__ must not cost the caller its transaction
        return False


def _opaque(value: Any) -> bool:
    return isinstance(value, bytes | bytearray | memoryview | SecretStr | SecretBytes)


def jsonable(value: Any, depth: int = 0) -> Any:
    """A JSON value PostgreSQL's jsonb accepts, stable across reads (the seal hashes it)."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, str):
        return _clean(value)[:MAX_VALUE_CHARS]
    if _opaque(value):
        return REDACTED
    if isinstance(value, enum.Enum):
        return jsonable(value.value, depth)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal | ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    if depth >= 5:
        return "…"
    if isinstance(value, Mapping):
        return scrub(value, depth + 1)
    if isinstance(value, list | tuple):
        return [jsonable(item, depth + 1) for item in value[:100]]
    if isinstance(value, set | frozenset):
        return sorted((jsonable(item, depth + 1) for item in list(value)[:100]), key=repr)
    return _clean(str(value))[:MAX_VALUE_CHARS]


def scrub(mapping: Mapping[Any, Any], depth: int = 0) -> dict[str, Any]:
    """JSON-ready copy of ``mapping`` with every secret-looking key's value replaced."""
    return {
        _clean(str(key))[:100]: REDACTED if is_secret_name(str(key)) else jsonable(value, depth)
        for key, value in list(mapping.items())[:100]
    }


def _clean(value: str) -> str:
    # PostgreSQL text and jsonb refuse NUL; a hostile value must not abort the caller's write.
    return value.replace("\x00", "\ufffd")


def _text(value: str | None, limit: int) -> str | None:
    return None if value is None else _clean(value)[:limit]


def _ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


@functools.cache
def _otel_trace() -> Any:
    try:
        return importlib.import_module("opentelemetry.trace")
    except ImportError:
        return None


def current_trace_id() -> str | None:
    """The OpenTelemetry trace id of the current span, when tracing is installed and active."""
    trace = _otel_trace()
    if trace is None:
        return None
    context = trace.get_current_span().get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else None


# --- reading ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def device_of(user_agent: str | None) -> str | None:
    """A readable device, e.g. "Chrome 120 on Mac OS X (Mac)"; cached, as few agents repeat a lot."""
    if not user_agent:
        return None
    from ua_parser import parse

    parsed = parse(user_agent)
    parts = []
    browser = parsed.user_agent
    if browser is not None and browser.family != "Other":
        parts.append(f"{browser.family} {browser.major}" if browser.major else browser.family)
    if parsed.os is not None and parsed.os.family != "Other":
        parts.append(f"on {parsed.os.family}")
    if parsed.device is not None and parsed.device.family != "Other":
        parts.append(f"({parsed.device.family})")
    return " ".join(parts) or None


def to_read(row: AnyRow) -> AuditEventRead:
    return AuditEventRead(
        id=row.seq,
        occurred_at=row.occurred_at,
        actor_type=row.actor_type,
        actor_id=row.actor_id,
        session_id=row.session_id,
        action=row.action,
        entity_type=row.entity_type,
        entity_id=row.entity_id,
        changes={name: FieldChange(**change) for name, change in (row.changes or {}).items()},
        redacted_fields=list(row.redacted_fields or []),
        ip=str(row.ip) if row.ip is not None else None,
        user_agent=row.user_agent,
        device=device_of(row.user_agent),
        request_id=row.request_id,
        trace_id=row.trace_id,
        meta=row.meta or {},
    )


def encode_cursor(row: AnyRow) -> str:
    raw = json.dumps([row.occurred_at.isoformat(), row.seq]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        occurred_at, seq = json.loads(raw)
        moment = dt.datetime.fromisoformat(occurred_at)
        if moment.tzinfo is None or not isinstance(seq, int) or isinstance(seq, bool):
            raise ValueError("bad cursor")
        return moment, seq
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidCursor("the cursor is not one this endpoint returned") from None


async def list_events(
    session: AsyncSession,
    organization_id: uuid.UUID,
    filters: AuditFilters,
    *,
    limit: int,
    cursor: str | None,
) -> AuditEventPage:
    after = decode_cursor(cursor) if cursor else None
    rows = await repository.page(session, organization_id, filters, limit=limit, after=after)
    items = rows[:limit]
    return AuditEventPage(
        items=[to_read(row) for row in items],
        next_cursor=encode_cursor(items[-1]) if len(rows) > limit else None,
    )


CSV_COLUMNS = (
    "id", "occurred_at", "actor_type", "actor_id", "session_id", "action", "entity_type", "entity_id",
    "changes", "redacted_fields", "ip", "user_agent", "device", "request_id", "trace_id", "meta",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    # A spreadsheet would run "=HYPERLINK(…)" typed into a user agent: make it plain text.
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_row(event: AuditEventRead) -> list[str]:
    return [
        str(event.id),
        event.occurred_at.isoformat(),
        _cell(event.actor_type.value if event.actor_type else None),
        _cell(str(event.actor_id) if event.actor_id else None),
        _cell(str(event.session_id) if event.session_id else None),
        _cell(event.action),
        _cell(event.entity_type),
        _cell(event.entity_id),
        _cell({name: change.model_dump() for name, change in event.changes.items()} or None),
        _cell(";".join(event.redacted_fields) or None),
        _cell(event.ip),
        _cell(event.user_agent),
        _cell(event.device),
        _cell(event.request_id),
        _cell(event.trace_id),
        _cell(event.meta or None),
    ]


def example_csv() -> str:
    """What exporting the declared examples of an audit event gives: the OpenAPI example of the export."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for example in declared_examples(AuditEventRead):
        writer.writerow(csv_row(AuditEventRead.model_validate(example)))
    return buffer.getvalue()


async def export_csv(
    session: AsyncSession, organization_id: uuid.UUID, filters: AuditFilters, *, chunk_bytes: int = 64 * 1024
) -> AsyncIterator[str]:
    """The matching events as CSV, oldest first, in chunks of about ``chunk_bytes``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    async for row in repository.stream(session, organization_id, filters):
        writer.writerow(csv_row(to_read(row)))
        if buffer.tell() >= chunk_bytes:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
