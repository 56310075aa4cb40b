"""Row-level security is the second wall between tenants: prove it holds with no app-side filter."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from crm.core.db import make_sessionmaker, set_tenant, unit_of_work
from crm.member.service import add_member
from crm.models import Membership, Organization, Role, User
from crm.models.base import Base
from tests.conftest import make_org


async def _two_tenants(db: AsyncSession) -> tuple[uuid.UUID, uuid.UUID]:
    org_a = await make_org(db, "Clinic A")
    await add_member(
        db, email=f"a-{org_a.hex[:8]}@a.example", full_name="Anna A", role=Role.admin, password=None
    )
    await add_member(
        db, email=f"a2-{org_a.hex[:8]}@a.example", full_name="Alan A", role=Role.sales, password=None
    )
    org_b = await make_org(db, "Clinic B")
    await add_member(
        db, email=f"b-{org_b.hex[:8]}@b.example", full_name="Bea B", role=Role.admin, password=None
    )
    return org_a, org_b


async def test_unfiltered_queries_see_only_the_current_tenant(db: AsyncSession) -> None:
    org_a, org_b = await _two_tenants(db)

    await set_tenant(db, org_a)
    memberships = (await db.execute(select(Membership))).scalars().all()
    users = (await db.execute(select(User.full_name).order_by(User.full_name))).scalars().all()
    orgs = (await db.execute(select(Organization.id))).scalars().all()
    assert {m.organization_id for m in memberships} == {org_a}
    assert users == ["Alan A", "Anna A"]
    assert orgs == [org_a]

    await set_tenant(db, org_b)
    users = (await db.execute(select(User.full_name))).scalars().all()
    assert users == ["Bea B"]


async def test_no_tenant_sees_nothing(db: AsyncSession) -> None:
    await _two_tenants(db)
    await set_tenant(db, None)
    for model in (Organization, User, Membership):
        count = (await db.execute(select(func.count()).select_from(model))).scalar_one()
        assert count == 0, model.__tablename__


async def test_cannot_write_into_another_tenant(db: AsyncSession) -> None:
    org_a, org_b = await _two_tenants(db)
    await set_tenant(db, org_a)
    outsider = (
        await db.execute(text("SELECT id FROM auth_user_by_email(:e)"), {"e": f"b-{org_b.hex[:8]}@b.example"})
    ).scalar_one()
    with pytest.raises(DBAPIError, match="row-level security"):
        async with db.begin_nested():
            await db.execute(
                text("INSERT INTO memberships (organization_id, user_id, role) VALUES (:o, :u, 'admin')"),
                {"o": org_b, "u": outsider},
            )
    # Updates and deletes aimed at another tenant's rows touch nothing.
    updated = await db.execute(
        text("UPDATE memberships SET role = 'support' WHERE organization_id = :o"), {"o": org_b}
    )
    deleted = await db.execute(text("DELETE FROM memberships WHERE organization_id = :o"), {"o": org_b})
    assert updated.rowcount == 0 and deleted.rowcount == 0  # type: ignore[attr-defined]


async def test_tenant_setting_does_not_outlive_its_transaction(app_engine: AsyncEngine) -> None:
    sessions = make_sessionmaker(app_engine)
    org_id = uuid.uuid4()
    async with unit_of_work(sessions, org_id) as session:
        seen = (await session.execute(text("SELECT app_current_org()"))).scalar_one()
        assert seen == org_id
    # The pool hands the same connection back; the setting must be gone.
    async with sessions() as session, session.begin():
        assert (await session.execute(text("SELECT app_current_org()"))).scalar_one() is None


async def test_app_role_has_no_way_around_rls(db: AsyncSession, settings: object) -> None:
    role = (await db.execute(text("SELECT current_user"))).scalar_one()
    flags = (
        await db.execute(
            text(
                "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = :r"
            ),
            {"r": role},
        )
    ).one()
    assert tuple(flags) == (False, False, False, False)
    owned = (
        await db.execute(
            text(
                "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = :r"
            ),
            {"r": role},
        )
    ).scalar_one()
    assert owned == 0
    for statement in (
        "ALTER TABLE memberships DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE memberships NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY tenant_isolation ON memberships",
        "CREATE TABLE sneaky (id int)",
        "SET ROLE postgres",
    ):
        with pytest.raises(DBAPIError):
            async with db.begin_nested():
                await db.execute(text(statement))


async def test_every_tenant_table_is_sealed(owner_engine: AsyncEngine) -> None:
    """A table with organization_id but no forced policy would be a leak: fail loudly."""
    tenant_tables = {t.name for t in Base.metadata.tables.values() if "organization_id" in t.c}
    assert tenant_tables, "no tenant tables found"
    async with owner_engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
                    " (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)"
                    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname = 'public' AND c.relkind = 'r' AND EXISTS ("
                    "  SELECT 1 FROM pg_attribute a"
                    "  WHERE a.attrelid = c.oid AND a.attname = 'organization_id')"
                )
            )
        ).all()
    sealed = {name for name, enabled, forced, policies in rows if enabled and forced and policies >= 1}
    in_db = {name for name, *_ in rows}
    assert tenant_tables <= in_db
    assert in_db == sealed, f"tables without forced RLS: {in_db - sealed}"


async def test_pre_tenant_lookups_are_narrow(db: AsyncSession) -> None:
    org_a, _ = await _two_tenants(db)
    await set_tenant(db, None)
    email = f"a-{org_a.hex[:8]}@a.example"
    found = (await db.execute(text("SELECT * FROM auth_user_by_email(:e)"), {"e": email.upper()})).one()
    assert found.is_active is True
    memberships = (await db.execute(text("SELECT * FROM auth_memberships_of(:u)"), {"u": found.id})).all()
    assert [(m.organization_id, m.role) for m in memberships] == [(org_a, "admin")]
    # The functions answer for one key only; the tables themselves stay closed.
    assert (await db.execute(text("SELECT count(*) FROM users"))).scalar_one() == 0
