"""Read what an attacker with the disks or the logs would read: no plaintext PII, no key material."""

from __future__ import annotations

import base64
import logging
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from crm.core.config import Settings
from crm.core.db import DatabaseUrls, unit_of_work
from crm.core.runtime import build_runtime
from crm.core.security.crypto import (
    EncryptedColumn,
    KeyStore,
    normalize_email,
    normalize_phone,
    org_cipher,
)
from crm.core.security.crypto_providers import master_key_path, read_master_key_file
from crm.core.security.keys_store import wrap_context
from crm.core.telemetry import JsonFormatter
from crm.keys.rotation import run_rotation, start_data_key_rotation
from tests.security.conftest import committed_org

NAME = "Zelda Quartermaine"  # names stay in clear by design (searchable, sortable)
EMAIL = "Zelda.Quartermaine+clinic@Example-Patient.org"
PHONE = "+44 (0)20 7946 0321"
DOB = "1961-04-17"


def _forms() -> list[bytes]:
    values = [EMAIL, EMAIL.lower(), normalize_email(EMAIL), PHONE, normalize_phone(PHONE), "2079460321", DOB]
    return [value.encode() for value in values]


async def _relation_bytes(owner_engine: AsyncEngine, relation: str) -> bytes:
    """The table's (and its TOAST table's) files as PostgreSQL wrote them, after a checkpoint."""
    async with owner_engine.connect() as conn:
        await conn.execute(text("CHECKPOINT"))
        paths = (
            await conn.execute(
                text(
                    "SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE c.oid = CAST(:r AS regclass)"
                    " UNION ALL SELECT pg_relation_filepath(c.reltoastrelid) FROM pg_class c"
                    " WHERE c.oid = CAST(:r AS regclass) AND c.reltoastrelid <> 0"
                ),
                {"r": relation},
            )
        ).scalars()
        chunks = [
            (await conn.execute(text("SELECT pg_read_binary_file(:p)"), {"p": path})).scalar_one()
            for path in paths
        ]
    return b"".join(bytes(chunk) for chunk in chunks)


async def test_raw_tables_and_logs_hold_no_plaintext(
    settings: Settings,
    database_urls: DatabaseUrls,
    keystore: KeyStore,
    patients_table: str,
    registered: list[EncryptedColumn],
    owner_engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Everything, SQLAlchemy's statements and their parameters included (the engine is built after).
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    runtime = build_runtime(settings, database_urls)
    try:
        sessions = runtime.sessions
        org = await committed_org(runtime, "Plaintext Check Clinic")
        row = uuid.uuid4()
        async with unit_of_work(sessions, org) as session:
            cipher = await org_cipher(session, keystore, org)
            await session.execute(
                text(
                    "INSERT INTO keys_test_patients (id, full_name, email, email_bidx, phone, phone_bidx)"
                    " VALUES (:id, :n, :e, :eb, :p, :pb)"
                ),
                {
                    "id": row,
                    "n": NAME,
                    "e": cipher.encrypt(EMAIL, patients_table, "email", row),
                    "eb": cipher.blind_index(EMAIL, "email"),
                    "p": cipher.encrypt(PHONE, patients_table, "phone", row),
                    "pb": cipher.blind_index(PHONE, "phone"),
                },
            )
        async with unit_of_work(sessions, org) as session:
            cipher = await org_cipher(session, keystore, org)
            found = (
                await session.execute(
                    text("SELECT id, email FROM keys_test_patients WHERE email_bidx = :b"),
                    {"b": cipher.blind_index(EMAIL.upper(), "email")},
                )
            ).one()
            assert cipher.decrypt(found.email, patients_table, "email", found.id) == EMAIL
            _, run = await start_data_key_rotation(session, keystore, org)
        assert (await run_rotation(sessions, keystore, org, run.id)).status == "succeeded"
        async with unit_of_work(sessions, org) as session:
            keys = (
                await session.execute(
                    text("SELECT purpose, version, master_key_id, wrapped_key FROM organization_keys")
                )
            ).all()
    finally:
        await runtime.close()

    # Key material that must never be written anywhere: the master keys and every data key.
    master_keys, _ = read_master_key_file(master_key_path(settings))
    raw_keys = list(master_keys.values()) + [
        keystore.provider.unwrap(k.master_key_id, k.wrapped_key, wrap_context(org, k.purpose, k.version))
        for k in keys
    ]
    secrets = _forms()
    for key in raw_keys:
        secrets += [key, key.hex().encode(), base64.b64encode(key), repr(key).encode()]

    # 1. The table files on disk.
    heap = await _relation_bytes(owner_engine, patients_table)
    assert NAME.encode() in heap, "the checkpointed heap should hold the row (names are clear)"
    for secret in secrets:
        assert secret not in heap
    keys_heap = await _relation_bytes(owner_engine, "organization_keys")
    for key in raw_keys:
        assert key not in keys_heap

    # 2. Every log line, rendered the way production renders it (extras included).
    formatter = JsonFormatter()
    logged = "\n".join(formatter.format(record) for record in caplog.records).encode()
    assert b"keys_test_patients" in logged, "statements should have been logged with their parameters"
    for secret in secrets:
        assert secret not in logged
