"""People and sign-ins for the identity tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth import ratelimit
from crm.core.db import set_tenant
from crm.member.service import add_member
from crm.models import EmailMessage, Role
from tests.conftest import make_org

PASSWORD = "correct-horse-battery-staple-42"


@dataclass
class Person:
    email: str
    user_id: uuid.UUID
    organization_id: uuid.UUID
    role: Role
    password: str = PASSWORD


@dataclass
class Tenant:
    id: uuid.UUID
    people: dict[Role, Person]


@pytest.fixture(autouse=True)
def no_sign_in_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit, "DELAY_BASE_S", 0.0)


async def make_tenant(db: AsyncSession, name: str) -> Tenant:
    org_id = await make_org(db, name)
    people = {}
    for role in Role:
        email = f"{role.value}-{org_id.hex[:8]}@{name.lower().replace(' ', '')}.example"
        user = await add_member(
            db, email=email, full_name=f"{role.value.title()} {name}", role=role, password=PASSWORD
        )
        people[role] = Person(email, user.id, org_id, role)
    await db.flush()
    return Tenant(org_id, people)


@pytest.fixture
async def tenant(db: AsyncSession) -> Tenant:
    return await make_tenant(db, "Alpha Clinics")


@pytest.fixture
async def other_tenant(db: AsyncSession) -> Tenant:
    return await make_tenant(db, "Beta Clinics")


async def sign_in(client: httpx.AsyncClient, person: Person, password: str | None = None) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/sign-in", json={"email": person.email, "password": password or person.password}
    )


async def token_for(client: httpx.AsyncClient, person: Person) -> str:
    response = await sign_in(client, person)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def last_email_to(db: AsyncSession, organization_id: uuid.UUID, address: str) -> EmailMessage:
    await set_tenant(db, organization_id)
    row = (
        (
            await db.execute(
                select(EmailMessage)
                .where(EmailMessage.to_address == address)
                .order_by(EmailMessage.created_at.desc())
            )
        )
        .scalars()
        .first()
    )
    assert row is not None, f"no e-mail to {address}"
    return row
