"""Organisations' keys in PostgreSQL: created on first use, wrapped, sealed by RLS, cached safely."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import set_tenant, unit_of_work
from crm.core.runtime import Runtime
from crm.core.security.crypto import (
    InvalidCiphertext,
    KeyStore,
    WrongTenant,
    org_cipher,
)
from crm.core.security.keys_store import wrap_context
from crm.models.keys import OrganizationKey
from tests.conftest import make_org
from tests.security.conftest import TABLE, committed_org

EMAIL = "ines.example-patient@example.org"


async def test_first_use_creates_wrapped_keys(db: AsyncSession, org: uuid.UUID, keystore: KeyStore) -> None:
    cipher = await org_cipher(db, keystore, org)
    rows = (await db.execute(select(OrganizationKey).order_by(OrganizationKey.purpose))).scalars().all()
    assert [(r.purpose, r.version, r.state) for r in rows] == [("data", 1, "active"), ("index", 1, "active")]
    for row in rows:
        assert row.organization_id == org
        assert row.master_key_id == keystore.provider.active_key_id
        assert len(row.wrapped_key) == 12 + 32 + 16  # nonce + key + tag: never the bare key
        raw = keystore.provider.unwrap(row.master_key_id, row.wrapped_key, wrap_context(org, row.purpose, 1))
        assert raw not in row.wrapped_key
    # The same keys come back on the next call.
    again = await org_cipher(db, keystore, org)
    value = cipher.encrypt(EMAIL, TABLE, "email", org)
    assert again.decrypt(value, TABLE, "email", org) == EMAIL
    assert again.blind_index(EMAIL, "email") == cipher.blind_index(EMAIL, "email")


async def test_keys_are_sealed_per_tenant(db: AsyncSession, keystore: KeyStore) -> None:
    org_a = await make_org(db, "Clinic A")
    cipher_a = await org_cipher(db, keystore, org_a)
    org_b = await make_org(db, "Clinic B")
    cipher_b = await org_cipher(db, keystore, org_b)

    # RLS: org B's transaction sees only its own key rows.
    seen = (await db.execute(select(OrganizationKey.organization_id))).scalars().all()
    assert set(seen) == {org_b}
    # Asking for another organisation's cipher from a session scoped to B is refused.
    with pytest.raises(WrongTenant):
        await org_cipher(db, keystore, org_a)
    # Equal emails in two tenants do not match; ciphertext does not move between tenants.
    assert cipher_a.blind_index(EMAIL, "email") != cipher_b.blind_index(EMAIL, "email")
    row = uuid.uuid4()
    with pytest.raises(InvalidCiphertext):
        cipher_b.decrypt(cipher_a.encrypt(EMAIL, TABLE, "email", row), TABLE, "email", row)
    # The app role may not delete keys (that would destroy the tenant's data) nor forge a row for A.
    with pytest.raises(DBAPIError):
        async with db.begin_nested():
            await db.execute(text("DELETE FROM organization_keys"))
    with pytest.raises(DBAPIError, match="row-level security"):
        async with db.begin_nested():
            await db.execute(
                text(
                    "INSERT INTO organization_keys (organization_id, purpose, version, state,"
                    " master_key_id, wrapped_key) VALUES (:o, 'data', 9, 'retired', '1', '\\x00')"
                ),
                {"o": org_a},
            )


async def test_no_tenant_sees_no_keys(db: AsyncSession, org: uuid.UUID, keystore: KeyStore) -> None:
    await org_cipher(db, keystore, org)
    await set_tenant(db, None)
    assert (await db.execute(text("SELECT count(*) FROM organization_keys"))).scalar_one() == 0
    with pytest.raises(WrongTenant):
        await org_cipher(db, keystore, org)


async def test_rows_encrypted_in_a_real_table_do_not_move(
    db: AsyncSession, org: uuid.UUID, keystore: KeyStore, patients_table: str
) -> None:
    cipher = await org_cipher(db, keystore, org)
    ids = [uuid.uuid4(), uuid.uuid4()]
    emails = ["first.patient@example.org", "second.patient@example.org"]
    for row_id, email in zip(ids, emails, strict=True):
        await db.execute(
            text(
                "INSERT INTO keys_test_patients (id, full_name, email, email_bidx) VALUES (:id, 'P', :e, :b)"
            ),
            {
                "id": row_id,
                "e": cipher.encrypt(email, patients_table, "email", row_id),
                "b": cipher.blind_index(email, "email"),
            },
        )
    # Exact look-up through the blind index, whatever the spelling.
    found = (
        await db.execute(
            text("SELECT id, email FROM keys_test_patients WHERE email_bidx = :b"),
            {"b": cipher.blind_index("  SECOND.Patient@Example.org", "email")},
        )
    ).one()
    assert found.id == ids[1]
    assert cipher.decrypt(found.email, patients_table, "email", found.id) == emails[1]
    # Someone with write access swaps the two ciphertexts: neither row decrypts any more.
    await db.execute(
        text(
            "UPDATE keys_test_patients t SET email = o.email FROM keys_test_patients o"
            " WHERE t.id <> o.id AND t.id = ANY(:ids) AND o.id = ANY(:ids)"
        ),
        {"ids": ids},
    )
    for row_id, value in (await db.execute(text("SELECT id, email FROM keys_test_patients"))).all():
        with pytest.raises(InvalidCiphertext):
            cipher.decrypt(value, patients_table, "email", row_id)


async def test_rolled_back_keys_are_never_reused(live_runtime: Runtime, keystore: KeyStore) -> None:
    """Keys created in a transaction that rolls back must not survive in the cache."""
    org = await committed_org(live_runtime)
    row = uuid.uuid4()
    phantom: list[bytes] = []
    with pytest.raises(RuntimeError):
        async with unit_of_work(live_runtime.sessions, org) as session:
            cipher = await org_cipher(session, keystore, org)
            phantom.append(cipher.encrypt(EMAIL, TABLE, "email", row))
            raise RuntimeError("request failed")
    async with unit_of_work(live_runtime.sessions, org) as session:
        cipher = await org_cipher(session, keystore, org)  # creates the real keys now
        with pytest.raises(InvalidCiphertext):
            cipher.decrypt(phantom[0], TABLE, "email", row)
        committed_value = cipher.encrypt(EMAIL, TABLE, "email", row)
    # A read-only transaction caches the (committed) keys; later calls skip the database.
    async with unit_of_work(live_runtime.sessions, org) as session:
        cached = await org_cipher(session, keystore, org)
        assert cached.decrypt(committed_value, TABLE, "email", row) == EMAIL
    keystore.cache_ttl = 60.0
    async with unit_of_work(live_runtime.sessions, org) as session:
        await set_tenant(session, None)  # a database read would now fail: the cache answers
        assert await org_cipher(session, keystore, org) is cached


async def test_keys_read_after_other_writes_are_cached(live_runtime: Runtime, keystore: KeyStore) -> None:
    """A request that wrote something first (a session touch, an audit row) still fills the cache
    with committed keys; only key rows this process is itself changing are held back."""
    org = await committed_org(live_runtime)
    async with unit_of_work(live_runtime.sessions, org) as session:
        await org_cipher(session, keystore, org)  # created here: not cached yet
    keystore.cache_ttl = 60.0
    async with unit_of_work(live_runtime.sessions, org) as session:
        await session.execute(text("UPDATE organizations SET name = 'Renamed' WHERE id = :o"), {"o": org})
        cipher = await org_cipher(session, keystore, org)
    async with unit_of_work(live_runtime.sessions, org) as session:
        await set_tenant(session, None)
        assert await org_cipher(session, keystore, org) is cipher
