"""The flags API: listing with effective values and overrides, org-wide and per-role overrides,
resets, permissions, the caller's effective flags, and tenant isolation."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from crm.auth.permissions import DEFAULTS, Action, Scope
from crm.core.runtime import Runtime
from crm.flags import service
from crm.flags.registry import FLAGS
from crm.models.tenancy import Role
from tests.conftest import make_org
from tests.flags.support import SignIn, audit_trail, count_statements, new_user

URL = "/api/v1/flags"


def by_key(body: dict[str, object]) -> dict[str, dict[str, object]]:
    items = body["items"]
    assert isinstance(items, list)
    return {item["key"]: item for item in items}


async def test_any_member_lists_every_flag_with_defaults(
    org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    sign_in(org, Role.sales)
    response = await http.get(URL)
    assert response.status_code == 200, response.text
    flags = by_key(response.json())
    assert list(flags) == list(FLAGS)
    sms = flags["messaging.sms"]
    assert sms == {
        "key": "messaging.sms",
        "description": FLAGS["messaging.sms"].description,
        "default": False,
        "enabled": False,
        "overrides": [],
        "effective_by_role": {"admin": False, "sales": False, "marketing": False, "support": False},
    }


async def test_admin_overrides_org_wide_then_per_role_then_resets(
    db: AsyncSession, org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    admin_id = await new_user(db, org, Role.admin)
    sign_in(org, Role.admin, user_id=admin_id)

    off = await http.put(f"{URL}/ai.sentiment", json={"enabled": False})
    assert off.status_code == 200, off.text
    body = off.json()
    assert body["enabled"] is False and body["default"] is True
    assert body["effective_by_role"] == {"admin": False, "sales": False, "marketing": False, "support": False}
    assert [(o["role"], o["enabled"], o["updated_by"]) for o in body["overrides"]] == [
        (None, False, str(admin_id))
    ]

    on_for_sales = await http.put(f"{URL}/ai.sentiment", json={"enabled": True, "role": "sales"})
    assert on_for_sales.status_code == 200, on_for_sales.text
    body = on_for_sales.json()
    assert body["enabled"] is False
    assert body["effective_by_role"] == {"admin": False, "sales": True, "marketing": False, "support": False}
    assert [(o["role"], o["enabled"]) for o in body["overrides"]] == [(None, False), ("sales", True)]

    # Setting the same override again updates it in place.
    again = await http.put(f"{URL}/ai.sentiment", json={"enabled": False, "role": "sales"})
    assert [(o["role"], o["enabled"]) for o in again.json()["overrides"]] == [(None, False), ("sales", False)]
    await http.put(f"{URL}/ai.sentiment", json={"enabled": True, "role": "sales"})

    sign_in(org, Role.sales)
    assert (await http.get(f"{URL}/effective")).json()["flags"]["ai.sentiment"] is True
    sign_in(org, Role.support)
    assert (await http.get(f"{URL}/effective")).json()["flags"]["ai.sentiment"] is False

    sign_in(org, Role.admin, user_id=admin_id)
    reset_role = await http.delete(f"{URL}/ai.sentiment", params={"role": "sales"})
    assert reset_role.status_code == 200, reset_role.text
    assert reset_role.json()["effective_by_role"]["sales"] is False
    reset_org = await http.delete(f"{URL}/ai.sentiment")
    assert reset_org.status_code == 200
    assert reset_org.json()["overrides"] == [] and reset_org.json()["enabled"] is True
    # Resetting what is not overridden is harmless.
    assert (await http.delete(f"{URL}/ai.sentiment")).status_code == 200

    single = await http.get(f"{URL}/ai.sentiment")
    assert single.status_code == 200 and single.json()["enabled"] is True

    # Every change is in the audit trail, with who made it; a no-op reset writes nothing.
    trail = await audit_trail(db, org, "flag.")
    assert [(e["action"], e["entity_id"], e["changes"]["enabled"]) for e in trail] == [
        ("flag.update", "ai.sentiment", {"before": None, "after": False}),
        ("flag.update", "ai.sentiment@sales", {"before": None, "after": True}),
        ("flag.update", "ai.sentiment@sales", {"before": True, "after": False}),
        ("flag.update", "ai.sentiment@sales", {"before": False, "after": True}),
        ("flag.reset", "ai.sentiment@sales", {"before": True, "after": None}),
        ("flag.reset", "ai.sentiment", {"before": False, "after": None}),
    ]
    assert {(e["actor_type"], e["actor_id"]) for e in trail} == {("user", admin_id)}


async def test_effective_flags_follow_changes_at_once(
    org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn, runtime: Runtime
) -> None:
    sign_in(org, Role.marketing)
    first = await http.get(f"{URL}/effective")
    assert first.status_code == 200
    assert first.json() == {"flags": {key: flag.default for key, flag in FLAGS.items()}}
    assert await runtime.cache.get(f"flags:{org}") is not None  # the next read is served from cache

    sign_in(org, Role.admin)
    assert (await http.put(f"{URL}/messaging.whatsapp", json={"enabled": True})).status_code == 200
    sign_in(org, Role.marketing)
    assert (await http.get(f"{URL}/effective")).json()["flags"]["messaging.whatsapp"] is True


async def test_only_flag_updaters_may_change_flags(
    org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    for role in (Role.sales, Role.marketing, Role.support):
        sign_in(org, role)
        put = await http.put(f"{URL}/ai.forecasting", json={"enabled": False})
        assert put.status_code == 403 and put.json()["error"] == "forbidden"
        assert (await http.delete(f"{URL}/ai.forecasting")).status_code == 403
    # An organisation may grant the cell to another role: the declared permission is what counts.
    cells = {**DEFAULTS[Role.support], ("flags", Action.update): Scope.all}
    sign_in(org, Role.support, permissions=cells)
    assert (await http.put(f"{URL}/ai.forecasting", json={"enabled": False})).status_code == 200
    # And reading needs flags:read, which an organisation may take away.
    no_read = {cell: scope for cell, scope in DEFAULTS[Role.sales].items() if cell[0] != "flags"}
    sign_in(org, Role.sales, permissions=no_read)
    assert (await http.get(URL)).status_code == 403
    assert (await http.get(f"{URL}/effective")).status_code == 200  # own flags: any signed-in caller


async def test_signed_out_callers_get_401(http: httpx.AsyncClient) -> None:
    for method, path in (("GET", URL), ("GET", f"{URL}/effective"), ("PUT", f"{URL}/ai.sentiment")):
        response = await http.request(method, path, json={"enabled": True})
        assert response.status_code == 401, (method, path)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("GET", "/no.such_flag", None, 404, "unknown_flag"),
        ("PUT", "/no.such_flag", {"enabled": True}, 404, "unknown_flag"),
        ("DELETE", "/no.such_flag", None, 404, "unknown_flag"),
        ("PUT", "/ai.sentiment", {"enabled": True, "role": "owner"}, 422, "validation_error"),
        ("PUT", "/ai.sentiment", {"enabled": "maybe"}, 422, "validation_error"),
        ("PUT", "/ai.sentiment", {}, 422, "validation_error"),
        (
            "PUT",
            "/ai.sentiment",
            {"enabled": True, "organization_id": str(uuid.uuid4())},
            422,
            "validation_error",
        ),
        ("DELETE", "/ai.sentiment?role=owner", None, 422, "validation_error"),
        ("GET", "/" + "x" * 81, None, 422, "validation_error"),
    ],
)
async def test_bad_input_is_refused_without_writing(
    db: AsyncSession,
    org: uuid.UUID,
    http: httpx.AsyncClient,
    sign_in: SignIn,
    method: str,
    path: str,
    body: dict[str, object] | None,
    status: int,
    code: str,
) -> None:
    sign_in(org, Role.admin)
    response = await http.request(method, URL + path, json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"] == code
    assert all(item.overrides == [] for item in (await service.list_flags(db, org)).items)


async def test_another_organisations_overrides_are_never_visible(
    db: AsyncSession, http: httpx.AsyncClient, sign_in: SignIn
) -> None:
    org_a = await make_org(db, "Clinic A")
    org_b = await make_org(db, "Clinic B")
    sign_in(org_a, Role.admin)
    await http.put(f"{URL}/messaging.sms", json={"enabled": True})
    await http.put(f"{URL}/ai.lead_scoring", json={"enabled": False, "role": "sales"})

    sign_in(org_b, Role.admin)
    listed = by_key((await http.get(URL)).json())
    assert all(item["overrides"] == [] for item in listed.values())
    assert listed["messaging.sms"]["enabled"] is False
    assert (await http.get(f"{URL}/messaging.sms")).json()["overrides"] == []
    sign_in(org_b, Role.sales)
    effective = (await http.get(f"{URL}/effective")).json()["flags"]
    assert effective["messaging.sms"] is False and effective["ai.lead_scoring"] is True

    # B resetting the same flag leaves A's override alone.
    sign_in(org_b, Role.admin)
    await http.delete(f"{URL}/messaging.sms")
    sign_in(org_a, Role.sales)
    assert (await http.get(f"{URL}/effective")).json()["flags"]["messaging.sms"] is True


async def test_listing_costs_the_same_queries_however_many_overrides(
    org: uuid.UUID, http: httpx.AsyncClient, sign_in: SignIn, connection: AsyncConnection
) -> None:
    sign_in(org, Role.admin)
    await http.put(f"{URL}/ai.sentiment", json={"enabled": False})
    with count_statements(connection) as few:
        assert (await http.get(URL)).status_code == 200
    for key in FLAGS:
        for role in (None, "sales", "support"):
            await http.put(f"{URL}/{key}", json={"enabled": True, "role": role})
    with count_statements(connection) as many:
        assert (await http.get(URL)).status_code == 200
    assert few and len(few) == len(many)
