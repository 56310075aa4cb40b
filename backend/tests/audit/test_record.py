"""record_event: one INSERT in the caller's transaction, values of PII and secrets never kept,
and the app's database role can add to the trail but never change or remove from it."""

from __future__ import annotations

import decimal
import enum
import uuid

import pytest
from pydantic import SecretStr
from sqlalchemy import event, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth.principal import ActorType
from crm.core.db import set_tenant
from crm.core.telemetry import request_id_var
from crm.models import AuditEvent
from tests.audit.conftest import principal
from tests.conftest import make_org


class Stage(enum.Enum):
    won = "won"


async def _events(db: AsyncSession) -> list[AuditEvent]:
    return list((await db.execute(select(AuditEvent).order_by(AuditEvent.seq))).scalars())


async def _raw(db: AsyncSession) -> str:
    """Every stored byte of the trail, as text: what an attacker with the table would read."""
    rows = await db.execute(text("SELECT audit_events::text FROM audit_events"))
    return "\n".join(row[0] for row in rows)


async def test_an_update_is_recorded_with_who_what_where(db: AsyncSession, org: uuid.UUID) -> None:
    caller = principal(org, session_id=uuid.uuid4())
    contact_id = uuid.uuid4()
    token = request_id_var.set("req-12345678")
    try:
        await record_event(
            db,
            action="contact.update",
            actor=caller,
            entity_type="contact",
            entity_id=contact_id,
            changes={
                "first_name": ("Ada", "Ada"),  # unchanged: dropped
                "status": ("lead", "customer"),
                "stage": (None, Stage.won),
                "value": (decimal.Decimal("10.50"), decimal.Decimal("12.00")),
                "email": ("ada@example.com", "ada@clinic.example"),
                "phone": (None, "+44 20 7946 0000"),
            },
            pii_fields={"email", "phone", "date_of_birth"},
        )
    finally:
        request_id_var.reset(token)

    [stored] = await _events(db)
    assert stored.organization_id == org
    assert (stored.actor_type, stored.actor_id, stored.session_id) == (
        "user",
        caller.user_id,
        caller.session_id,
    )
    assert (stored.action, stored.entity_type, stored.entity_id) == (
        "contact.update",
        "contact",
        str(contact_id),
    )
    assert stored.changes == {
        "status": {"before": "lead", "after": "customer"},
        "stage": {"before": None, "after": "won"},
        "value": {"before": "10.50", "after": "12.00"},
    }
    assert stored.redacted_fields == ["email", "phone"]
    assert str(stored.ip) == "203.0.113.7"
    assert stored.user_agent is not None and "Firefox" in stored.user_agent
    assert stored.request_id == "req-12345678"
    assert stored.occurred_at is not None and stored.txid > 0

    raw = await _raw(db)
    for value in ("ada@example.com", "ada@clinic.example", "7946"):
        assert value not in raw


async def test_secrets_are_never_stored_whatever_the_caller_says(db: AsyncSession, org: uuid.UUID) -> None:
    await record_event(
        db,
        action="user.update",
        actor=principal(org),
        changes={
            "password_hash": ("$argon2id$old", "$argon2id$new"),
            "totp_secret": (None, b"\x01\x02secret-bytes"),
            "api_key": (None, "crm_key_live_abcdef"),
            "avatar": (None, b"\x89PNG"),  # bytes are opaque: name only
            "nickname": (None, SecretStr("hush")),
            "full_name": ("A", "B"),
        },
        meta={
            "refresh_token": "rt_topsecret",
            "headers": {"Authorization": "Bearer abc.def"},
            "prompt_tokens": 12,
        },
    )
    [stored] = await _events(db)
    assert stored.changes == {"full_name": {"before": "A", "after": "B"}}
    assert stored.redacted_fields == ["api_key", "avatar", "nickname", "password_hash", "totp_secret"]
    assert stored.meta == {
        "refresh_token": "[redacted]",
        "headers": {"Authorization": "[redacted]"},
        "prompt_tokens": 12,
    }
    raw = await _raw(db)
    for secret in ("argon2id", "secret-bytes", "crm_key_live", "hush", "rt_topsecret", "abc.def"):
        assert secret not in raw


async def test_api_key_and_ai_actors(db: AsyncSession, org: uuid.UUID) -> None:
    key_id = uuid.uuid4()
    await record_event(
        db, action="contact.create", actor=principal(org, actor_type=ActorType.api_key, api_key_id=key_id)
    )
    service = principal(org, actor_type=ActorType.service)
    await record_event(
        db,
        action="lead.score",
        actor=service,
        actor_type=ActorType.ai,
        entity_type="lead",
        entity_id="L-1",
        changes={"score": (40, 72)},
        meta={"model": "lead-scoring-gbm", "version": "2026.11.1"},
    )
    key_event, ai_event = await _events(db)
    assert (key_event.actor_type, key_event.actor_id) == ("api_key", key_id)
    assert ai_event.actor_type == "ai"
    assert ai_event.meta == {"model": "lead-scoring-gbm", "version": "2026.11.1"}
    assert ai_event.changes == {"score": {"before": 40, "after": 72}}


async def test_security_event_before_sign_in_lands_in_the_named_tenant(
    db: AsyncSession, org: uuid.UUID
) -> None:
    user_id = uuid.uuid4()
    await set_tenant(db, None)  # a public transaction, as at sign-in
    await record_event(
        db,
        action="auth.login_failed",
        actor=None,
        organization_id=org,
        actor_type=ActorType.user,
        actor_id=user_id,
        ip="2001:db8::1",
        user_agent="curl/8.5.0",
    )
    # The transaction's scope is put back: still no tenant.
    assert (await db.execute(text("SELECT app_current_org()"))).scalar_one() is None
    await set_tenant(db, org)
    [stored] = await _events(db)
    assert (stored.organization_id, stored.actor_type, stored.actor_id) == (org, "user", user_id)
    assert str(stored.ip) == "2001:db8::1"
    assert stored.user_agent == "curl/8.5.0"


async def test_without_any_organisation_nothing_is_written(db: AsyncSession, org: uuid.UUID) -> None:
    await set_tenant(db, None)
    await record_event(db, action="auth.login_failed", actor=None, ip="198.51.100.1")
    await set_tenant(db, org)
    assert await _events(db) == []


async def test_inside_a_tenant_transaction_the_organisation_is_implied(
    db: AsyncSession, org: uuid.UUID
) -> None:
    await record_event(db, action="job.finish", actor=None)
    [stored] = await _events(db)
    assert stored.organization_id == org and stored.actor_type is None


async def test_recording_is_one_statement(db: AsyncSession, org: uuid.UUID) -> None:
    statements: list[str] = []
    sync_connection = (await db.connection()).sync_connection
    assert sync_connection is not None

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(sync_connection, "before_cursor_execute", count)
    try:
        await record_event(db, action="contact.update", actor=principal(org), changes={"status": ("a", "b")})
    finally:
        event.remove(sync_connection, "before_cursor_execute", count)
    assert len(statements) == 1 and statements[0].startswith("INSERT INTO audit_events")


async def test_hostile_values_never_break_the_callers_write(db: AsyncSession, org: uuid.UUID) -> None:
    await record_event(
        db,
        action="contact.update",
        actor=principal(org, ip="not-an-ip", user_agent="x\x00" * 400),
        entity_id="id\x00with-nul",
        changes={
            "notes": ("a\x00b", "y" * 50_000),
            "ratio": (float("nan"), float("inf")),
            "big": (0, 10**40),
            "tags": (set(), {"b", "a"}),
            "nested": ({}, {"deep": {"password": "p@ss", "n": [1, 2, {"k": "v"}]}}),
        },
        meta={"\x00key": object()},
    )
    [stored] = await _events(db)
    assert stored.ip is None
    assert stored.user_agent is not None and len(stored.user_agent) == 512 and "\x00" not in stored.user_agent
    assert stored.changes is not None
    assert len(stored.changes["notes"]["after"]) == 1000
    assert stored.changes["ratio"] == {"before": "nan", "after": "inf"}
    assert stored.changes["big"]["after"] == 10**40
    assert stored.changes["tags"]["after"] == ["a", "b"]
    assert stored.changes["nested"]["after"]["deep"]["password"] == "[redacted]"
    assert "p@ss" not in await _raw(db)


@pytest.mark.parametrize(
    "action", ["", "update", "Contact.Update", "contact.", "contact update", "x." + "a" * 99]
)
async def test_malformed_actions_are_a_programming_error(
    db: AsyncSession, org: uuid.UUID, action: str
) -> None:
    with pytest.raises(ValueError, match="audit action"):
        await record_event(db, action=action, actor=principal(org))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'contact.view'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "UPDATE audit_seals SET hash = hash",
        "DELETE FROM audit_seals",
        "TRUNCATE audit_seals",
        "ALTER TABLE audit_events DISABLE TRIGGER ALL",
        "SELECT setval(pg_get_serial_sequence('audit_events', 'seq'), 1)",
    ],
)
async def test_the_app_role_cannot_rewrite_history(db: AsyncSession, org: uuid.UUID, statement: str) -> None:
    await record_event(db, action="contact.update", actor=principal(org))
    with pytest.raises(DBAPIError) as refused:
        async with db.begin_nested():
            await db.execute(text(statement))
    assert getattr(refused.value.orig, "sqlstate", None) == "42501"  # insufficient privilege
    assert len(await _events(db)) == 1


async def test_nobody_writes_into_another_tenants_trail_by_hand(db: AsyncSession, org: uuid.UUID) -> None:
    other = await make_org(db, "Other Clinic")
    await set_tenant(db, org)
    with pytest.raises(DBAPIError, match="row-level security"):
        async with db.begin_nested():
            await db.execute(
                text("INSERT INTO audit_events (organization_id, action) VALUES (:o, 'contact.update')"),
                {"o": other},
            )
