"""Rotating the master key rewraps every data key at once; stored values never change and still decrypt."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from crm.core.db import set_tenant
from crm.core.security.crypto import (
    InvalidCiphertext,
    KeyStore,
    LocalKeyProvider,
    SealedColumn,
    UnknownMasterKey,
    global_aad,
    org_cipher,
)
from crm.keys.rotation import RewrapReport, master_key_usage, reseal_global, rewrap_master
from crm.models.keys import OrganizationKey
from tests.security.conftest import TABLE

EMAIL = "rotation.patient@example.org"


def _store(keys: dict[str, bytes], active: str) -> KeyStore:
    return KeyStore(LocalKeyProvider(keys, active, source="test"))


async def test_rewrap_moves_every_key_to_the_new_master_and_old_values_still_decrypt(
    db: AsyncSession, org: uuid.UUID, sessions: async_sessionmaker[AsyncSession]
) -> None:
    v1, v2 = os.urandom(32), os.urandom(32)
    before = _store({"1": v1}, "1")
    cipher = await org_cipher(db, before, org)
    row = uuid.uuid4()
    value = cipher.encrypt(EMAIL, TABLE, "email", row)
    index = cipher.blind_index(EMAIL, "email")

    # The organisation is found through the narrow pre-tenant function, by master key version.
    await set_tenant(db, None)
    listed = (await db.execute(text("SELECT keys_organizations_to_rewrap('2')"))).scalars().all()
    assert org in listed
    assert (await master_key_usage(db))["1"][1] >= 2

    rotated = _store({"2": v2, "1": v1}, "2")
    assert await rewrap_master(sessions, rotated, organization_ids=[org]) == RewrapReport(1, 2)
    assert await rewrap_master(sessions, rotated, organization_ids=[org]) == RewrapReport(1, 0)
    listed = (await db.execute(text("SELECT keys_organizations_to_rewrap('2')"))).scalars().all()
    assert org not in listed

    await set_tenant(db, org)
    wrapped = (await db.execute(select(OrganizationKey.master_key_id, OrganizationKey.version))).all()
    assert {tuple(w) for w in wrapped} == {("2", 1)}
    # With only the new master key, the same data key comes back: old ciphertext decrypts.
    only_new = _store({"2": v2}, "2")
    after = await org_cipher(db, only_new, org)
    assert after.decrypt(value, TABLE, "email", row) == EMAIL
    assert after.blind_index(EMAIL, "email") == index
    # And the old master key alone can no longer unwrap anything.
    with pytest.raises(UnknownMasterKey):
        await org_cipher(db, _store({"1": v1}, "1"), org)


async def test_reseal_moves_global_secrets_to_the_new_master(owner_engine: AsyncEngine) -> None:
    v1, v2 = os.urandom(32), os.urandom(32)
    before, rotated, only_new = (
        _store({"1": v1}, "1"),
        _store({"2": v2, "1": v1}, "2"),
        _store({"2": v2}, "2"),
    )
    spec = SealedColumn(
        "keys_test_secrets", "secret", aad=lambda row_id: global_aad("keys_test_secrets", "secret", row_id)
    )
    ids = [uuid.uuid4() for _ in range(3)]
    broken = uuid.uuid4()
    async with owner_engine.connect() as conn:
        transaction = await conn.begin()
        session = AsyncSession(bind=conn)
        try:
            await session.execute(
                text("CREATE TEMP TABLE keys_test_secrets (id uuid PRIMARY KEY, secret bytea) ON COMMIT DROP")
            )
            for row_id in [*ids, broken]:
                # The last one is bound to another row: it cannot be opened, so it is reported.
                aad = spec.aad(row_id if row_id != broken else ids[0])
                await session.execute(
                    text("INSERT INTO keys_test_secrets VALUES (:id, :s)"),
                    {"id": row_id, "s": before.seal_global(f"totp-{row_id}".encode(), aad)},
                )
            report = await reseal_global(session, rotated, [spec])
            assert report.resealed == 3
            assert report.unreadable == [f"keys_test_secrets.secret:{broken}"]
            rows = (await session.execute(text("SELECT id, secret FROM keys_test_secrets"))).all()
            for row_id, secret in rows:
                if row_id == broken:
                    with pytest.raises(InvalidCiphertext):
                        rotated.open_global(secret, spec.aad(row_id))
                    continue
                assert only_new.open_global(secret, spec.aad(row_id)) == f"totp-{row_id}".encode()
            assert (await reseal_global(session, rotated, [spec])).resealed == 0
        finally:
            await session.close()
            await transaction.rollback()
