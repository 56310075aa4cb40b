"""``require_flag`` gates endpoints on the server: 403 (or 404 when hidden) ``feature_disabled``."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.runtime import Runtime
from crm.flags import service
from crm.flags.dependencies import require_flag
from crm.models.tenancy import Role
from tests.conftest import make_org
from tests.flags.support import GATED, HIDDEN, SignIn, principal


def test_unknown_flags_fail_at_import_time() -> None:
    with pytest.raises(ValueError, match="unknown feature flag"):
        require_flag("ai.mind_reading")


async def test_gate_follows_the_flag_per_role(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn, runtime: Runtime
) -> None:
    sign_in(org, Role.sales)
    allowed = await http.get(GATED)
    assert allowed.status_code == 200 and allowed.json() == {"org": str(org)}

    admin = principal(org)
    await service.set_override(db, runtime.cache, admin, "ai.sentiment", enabled=False, role=None)
    refused = await http.get(GATED)
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "feature_disabled",
        "detail": "the feature ai.sentiment is turned off for your organisation",
    }

    await service.set_override(db, runtime.cache, admin, "ai.sentiment", enabled=True, role=Role.sales)
    assert (await http.get(GATED)).status_code == 200
    sign_in(org, Role.support)
    assert (await http.get(GATED)).status_code == 403


async def test_hidden_gate_answers_404(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn, runtime: Runtime
) -> None:
    sign_in(org, Role.admin)
    hidden = await http.get(HIDDEN)  # messaging.whatsapp is off by default
    assert hidden.status_code == 404 and hidden.json()["error"] == "feature_disabled"
    await service.set_override(
        db, runtime.cache, principal(org), "messaging.whatsapp", enabled=True, role=None
    )
    assert (await http.get(HIDDEN)).status_code == 200


async def test_one_organisation_turning_a_feature_off_leaves_others_alone(
    db: AsyncSession, http: httpx.AsyncClient, sign_in: SignIn, runtime: Runtime
) -> None:
    org_a = await make_org(db, "Clinic A")
    org_b = await make_org(db, "Clinic B")
    await service.set_override(db, runtime.cache, principal(org_b), "ai.sentiment", enabled=False, role=None)
    sign_in(org_a, Role.sales)
    assert (await http.get(GATED)).status_code == 200
    sign_in(org_b, Role.sales)
    assert (await http.get(GATED)).status_code == 403
