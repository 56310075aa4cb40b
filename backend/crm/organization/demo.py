"""The demo organisation that ``make run`` seeds the first time: one user per role."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.core.db import unit_of_work
from crm.member.service import add_member
from crm.models import Role
from crm.organization import repository
from crm.organization.service import create_organization

DEMO_SLUG = "demo"
DEMO_NAME = "Northwind Clinics (demo)"
DEMO_DOMAIN = "demo.cliniglobal.example"
DEMO_PEOPLE = {
    Role.admin: "Ada Admin",
    Role.sales: "Sam Sales",
    Role.marketing: "Mia Marketing",
    Role.support: "Sid Support",
}


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str


def demo_logins() -> list[DemoLogin]:
    return [DemoLogin(role, f"{role.value}@{DEMO_DOMAIN}") for role in DEMO_PEOPLE]


async def seed_demo(sessions: async_sessionmaker[AsyncSession], password: str) -> bool:
    """Create the demo organisation and its users; returns False when it already exists."""
    async with unit_of_work(sessions) as session:
        if await repository.id_by_slug(session, DEMO_SLUG) is not None:
            return False
        await create_organization(session, DEMO_NAME, DEMO_SLUG)
        for login in demo_logins():
            await add_member(
                session,
                email=login.email,
                full_name=DEMO_PEOPLE[login.role],
                role=login.role,
                password=password,
            )
    return True
