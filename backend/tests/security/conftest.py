"""Fixtures for the encryption tests: a real tenant table with encrypted columns, a committing runtime."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from crm.core.config import Settings
from crm.core.db import DatabaseUrls, unit_of_work
from crm.core.runtime import Runtime, build_runtime, install_runtime
from crm.core.security.crypto import ENCRYPTED_COLUMNS, EncryptedColumn, KeyStore, keystore_for
from crm.models import Organization

TABLE = "keys_test_patients"
VALUES_TABLE = "keys_test_field_values"


@pytest.fixture(scope="session")
async def patients_table(owner_engine: AsyncEngine, settings: Settings) -> AsyncIterator[str]:
    """A tenant table shaped like the contact tables later features add, sealed like any other.

    Created as the owner (the app role cannot create tables), dropped at the end of the run.
    """
    role = settings.database_app_role
    statements = [
        f"DROP TABLE IF EXISTS {TABLE}",
        f"""CREATE TABLE {TABLE} (
            id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            organization_id uuid NOT NULL DEFAULT app_current_org()
                REFERENCES organizations (id) ON DELETE CASCADE,
            full_name text NOT NULL,
            email bytea, email_bidx bytea,
            phone bytea, phone_bidx bytea)""",
        f"CREATE INDEX ix_{TABLE}_email_bidx ON {TABLE} (organization_id, email_bidx)",
        f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {TABLE} USING (organization_id = app_current_org())"
        " WITH CHECK (organization_id = app_current_org())",
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON {TABLE} TO "{role}"',
    ]
    # Composite key, like typed custom-field values: (field, record) -> one encrypted value.
    statements += [
        f"DROP TABLE IF EXISTS {VALUES_TABLE}",
        f"""CREATE TABLE {VALUES_TABLE} (
            field_id uuid NOT NULL,
            record_id uuid NOT NULL,
            organization_id uuid NOT NULL DEFAULT app_current_org()
                REFERENCES organizations (id) ON DELETE CASCADE,
            value_encrypted bytea,
            PRIMARY KEY (field_id, record_id))""",
        f"ALTER TABLE {VALUES_TABLE} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {VALUES_TABLE} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {VALUES_TABLE} USING (organization_id = app_current_org())"
        " WITH CHECK (organization_id = app_current_org())",
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON {VALUES_TABLE} TO "{role}"',
    ]
    async with owner_engine.begin() as conn:
        for statement in statements:
            await conn.execute(text(statement))
    yield TABLE
    async with owner_engine.begin() as conn:
        await conn.execute(text(f"DROP TABLE IF EXISTS {TABLE}, {VALUES_TABLE}"))


@pytest.fixture
def registered(patients_table: str) -> Iterator[list[EncryptedColumn]]:
    """The table's columns in the global registry (as a model module would register them)."""
    specs = [
        ENCRYPTED_COLUMNS.register(patients_table, "email", "email_bidx"),
        ENCRYPTED_COLUMNS.register(patients_table, "phone", "phone_bidx"),
    ]
    yield specs
    for spec in specs:
        ENCRYPTED_COLUMNS.unregister(spec.table, spec.column)


@pytest.fixture
def keystore(settings: Settings) -> Iterator[KeyStore]:
    """The process key store of the test settings, with no cache delay (rotations run at once)."""
    store = keystore_for(settings)
    ttl = store.cache_ttl
    store.cache_ttl = 0.0
    yield store
    store.cache_ttl = ttl


@pytest.fixture
async def live_runtime(settings: Settings, database_urls: DatabaseUrls) -> AsyncIterator[Runtime]:
    """A runtime whose transactions really commit (jobs run in their own transactions)."""
    runtime = build_runtime(settings, database_urls)
    install_runtime(runtime)
    yield runtime
    install_runtime(None)
    await runtime.close()


async def committed_org(runtime: Runtime, name: str = "Keys Clinic") -> uuid.UUID:
    org_id = uuid.uuid4()
    async with unit_of_work(runtime.sessions, org_id) as session:
        session.add(Organization(id=org_id, name=name, slug=f"keys-{org_id.hex[:12]}"))
    return org_id
