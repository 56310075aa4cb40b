"""The registry, the evaluation rule (role override > org-wide override > coded default) and its cache."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.principal import ActorType, Principal
from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.flags import service
from crm.flags.registry import FLAGS, KEY_PATTERN, FlagDefinition, _registry
from crm.models.tenancy import Role
from tests.conftest import make_org
from tests.flags.support import principal

REQUIRED = {
    "ai.lead_scoring",
    "ai.sentiment",
    "ai.forecasting",
    "ai.semantic_search",
    "ai.personalization",
    "ai.transcription",
    "messaging.whatsapp",
    "messaging.sms",
}


def api_key_principal(organization_id: uuid.UUID) -> Principal:
    return Principal(
        actor_type=ActorType.api_key,
        organization_id=organization_id,
        user_id=None,
        role=None,
        permissions={},
        api_key_id=uuid.uuid4(),
    )


def test_registry_lists_every_gated_feature_with_a_description() -> None:
    assert set(FLAGS) >= REQUIRED
    for key, flag in FLAGS.items():
        assert flag.key == key and KEY_PATTERN.match(key) and len(key) <= 80
        assert flag.description.strip()
    # Paid channels stay off until an admin opts in.
    assert FLAGS["messaging.whatsapp"].default is False
    assert FLAGS["messaging.sms"].default is False


def test_registry_refuses_bad_or_duplicate_keys() -> None:
    with pytest.raises(ValueError, match="bad flag key"):
        _registry(FlagDefinition("NoDots", "x", True))
    with pytest.raises(ValueError, match="twice"):
        _registry(FlagDefinition("a.b", "x", True), FlagDefinition("a.b", "y", False))


def test_role_override_beats_org_wide_beats_default() -> None:
    key = "ai.sentiment"
    default = FLAGS[key].default
    assert service.evaluate(key, Role.sales, {}) is default
    org_off = {key: {service.ORG_WIDE: not default}}
    assert service.evaluate(key, Role.sales, org_off) is (not default)
    assert service.evaluate(key, None, org_off) is (not default)
    sales_on = {key: {service.ORG_WIDE: False, Role.sales.value: True}}
    assert service.evaluate(key, Role.sales, sales_on) is True
    assert service.evaluate(key, Role.support, sales_on) is False
    assert service.evaluate(key, None, sales_on) is False  # API keys get the org-wide value only
    only_role = {key: {Role.marketing.value: not default}}
    assert service.evaluate(key, Role.marketing, only_role) is (not default)
    assert service.evaluate(key, Role.admin, only_role) is default


async def test_is_enabled_reads_overrides_through_session_and_runtime(
    db: AsyncSession, org: uuid.UUID, runtime: Runtime
) -> None:
    admin = principal(org, Role.admin)
    sales = principal(org, Role.sales)
    assert await service.is_enabled(db, sales, "messaging.sms") is False
    assert await service.is_enabled(runtime, sales, "messaging.sms") is False

    await service.set_override(db, runtime.cache, admin, "messaging.sms", enabled=True, role=None)
    await service.set_override(db, runtime.cache, admin, "messaging.sms", enabled=False, role=Role.support)
    assert await service.is_enabled(db, sales, "messaging.sms") is True
    assert await service.is_enabled(runtime, sales, "messaging.sms") is True
    assert await service.is_enabled(runtime, principal(org, Role.support), "messaging.sms") is False
    assert await service.is_enabled(runtime, api_key_principal(org), "messaging.sms") is True

    with pytest.raises(ValueError, match="unknown feature flag"):
        await service.is_enabled(db, sales, "no.such_flag")


async def test_a_change_drops_the_cached_overrides(
    db: AsyncSession, org: uuid.UUID, runtime: Runtime
) -> None:
    sales = principal(org, Role.sales)
    assert await service.is_enabled(runtime, sales, "ai.forecasting") is True  # cached now
    assert await runtime.cache.get(f"flags:{org}") is not None

    await service.set_override(db, runtime.cache, principal(org), "ai.forecasting", enabled=False, role=None)
    assert await runtime.cache.get(f"flags:{org}") is None
    assert await service.is_enabled(runtime, sales, "ai.forecasting") is False

    await service.reset_override(db, runtime.cache, principal(org), "ai.forecasting", role=None)
    assert await service.is_enabled(runtime, sales, "ai.forecasting") is True


async def test_overrides_never_cross_tenants(db: AsyncSession, runtime: Runtime) -> None:
    org_a = await make_org(db, "Clinic A")
    org_b = await make_org(db, "Clinic B")
    await set_tenant(db, org_a)
    await service.set_override(
        db, runtime.cache, principal(org_a), "messaging.whatsapp", enabled=True, role=None
    )

    assert await service.is_enabled(runtime, principal(org_a, Role.sales), "messaging.whatsapp") is True
    assert await service.is_enabled(runtime, principal(org_b, Role.sales), "messaging.whatsapp") is False
    await set_tenant(db, org_b)
    assert await service.is_enabled(db, principal(org_b, Role.sales), "messaging.whatsapp") is False
    listed = await service.list_flags(db, org_b)
    assert all(item.overrides == [] for item in listed.items)
    # Even asked for org A's rows by id, a transaction scoped to org B sees none (RLS).
    asked_for_a = await service.list_flags(db, org_a)
    assert all(item.overrides == [] for item in asked_for_a.items)
