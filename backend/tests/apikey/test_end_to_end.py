"""Both features through real sign-ins (password → JWT → ``current_principal``), no overrides:
an admin mints a key and tunes flags per role; members see exactly what their role gets."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth import ratelimit
from crm.models.tenancy import Role
from tests.fixtures.people import bearer, make_tenant, token_for


@pytest.fixture(autouse=True)
def no_sign_in_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "DELAY_BASE_S", 0.0)


async def test_signed_in_people_and_their_keys(db: AsyncSession, http: httpx.AsyncClient) -> None:
    alpha = await make_tenant(db, "Alpha Clinics")
    beta = await make_tenant(db, "Beta Clinics")
    admin = await token_for(http, alpha.people[Role.admin])
    sales = await token_for(http, alpha.people[Role.sales])
    support = await token_for(http, alpha.people[Role.support])
    beta_admin = await token_for(http, beta.people[Role.admin])

    # Flags: off for Alpha as a whole, back on for its sales team; Beta untouched.
    assert (
        await http.put("/api/v1/flags/ai.forecasting", json={"enabled": False}, headers=bearer(admin))
    ).is_success
    on_for_sales = {"enabled": True, "role": "sales"}
    assert (
        await http.put("/api/v1/flags/ai.forecasting", json=on_for_sales, headers=bearer(admin))
    ).is_success
    refused = await http.put("/api/v1/flags/ai.forecasting", json={"enabled": True}, headers=bearer(sales))
    assert refused.status_code == 403

    async def effective(token: str) -> dict[str, bool]:
        response = await http.get("/api/v1/flags/effective", headers=bearer(token))
        assert response.status_code == 200, response.text
        flags: dict[str, bool] = response.json()["flags"]
        return flags

    assert (await effective(sales))["ai.forecasting"] is True
    assert (await effective(support))["ai.forecasting"] is False
    assert (await effective(beta_admin))["ai.forecasting"] is True

    # Keys: the admin mints one; members without the cell cannot.
    wanted = {"name": "BI export", "permissions": [{"resource": "flags", "action": "read", "scope": "all"}]}
    created = await http.post("/api/v1/api-keys", json=wanted, headers=bearer(admin))
    assert created.status_code == 201, created.text
    assert created.json()["created_by"] == str(alpha.people[Role.admin].user_id)
    assert (await http.post("/api/v1/api-keys", json=wanted, headers=bearer(sales))).status_code == 403
    key = created.json()["token"]

    # The key sees Alpha's org-wide value (no role, so the sales override does not apply).
    assert (await effective(key))["ai.forecasting"] is False
    assert (await http.get("/api/v1/api-keys", headers=bearer(key))).status_code == 403
    # Beta's admin cannot see or revoke it; Alpha's admin can.
    assert (await http.get("/api/v1/api-keys", headers=bearer(beta_admin))).json()["items"] == []
    key_id = created.json()["id"]
    assert (await http.delete(f"/api/v1/api-keys/{key_id}", headers=bearer(beta_admin))).status_code == 404
    assert (await http.get("/api/v1/flags", headers=bearer(key))).status_code == 200
    assert (await http.delete(f"/api/v1/api-keys/{key_id}", headers=bearer(admin))).status_code == 204
    assert (await http.get("/api/v1/flags", headers=bearer(key))).status_code == 401
