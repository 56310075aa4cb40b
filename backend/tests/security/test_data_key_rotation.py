"""Rotating an organisation's data key: a resumable job that re-encrypts while the app keeps serving."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from crm.core.db import unit_of_work
from crm.core.runtime import Runtime
from crm.core.security.crypto import (
    ENCRYPTED_COLUMNS,
    CryptoError,
    EncryptedColumn,
    KeyStore,
    key_version,
    org_cipher,
)
from crm.keys.rotation import run_rotation, start_data_key_rotation
from crm.keys.tasks import QUEUE, start_rotation
from crm.models import JobRun
from crm.models.keys import OrganizationKey
from tests.fixtures.worker import drain
from tests.security.conftest import VALUES_TABLE, committed_org

ROWS = 23


@dataclass(frozen=True)
class Patient:
    id: uuid.UUID
    email: str
    phone: str


class Interrupted(Exception):
    pass


async def _insert_patients(
    sessions: async_sessionmaker[AsyncSession], keystore: KeyStore, org: uuid.UUID, table: str, count: int
) -> list[Patient]:
    patients = [
        Patient(uuid.uuid4(), f"patient{i}.{org.hex[:6]}@example.org", f"+44 20 7946 {i:04d}")
        for i in range(count)
    ]
    async with unit_of_work(sessions, org) as session:
        cipher = await org_cipher(session, keystore, org)
        for p in patients:
            await session.execute(
                text(
                    "INSERT INTO keys_test_patients (id, full_name, email, email_bidx, phone, phone_bidx)"
                    " VALUES (:id, 'Patient', :e, :eb, :p, :pb)"
                ),
                {
                    "id": p.id,
                    "e": cipher.encrypt(p.email, table, "email", p.id),
                    "eb": cipher.blind_index(p.email, "email"),
                    "p": cipher.encrypt(p.phone, table, "phone", p.id),
                    "pb": cipher.blind_index(p.phone, "phone"),
                },
            )
        # A patient with no phone: NULLs are left alone.
        await session.execute(
            text("INSERT INTO keys_test_patients (full_name) VALUES ('No Contact Details')")
        )
    return patients


async def _read_all(
    sessions: async_sessionmaker[AsyncSession], keystore: KeyStore, org: uuid.UUID, table: str
) -> dict[uuid.UUID, tuple[str, str, int, int, bytes, bytes]]:
    """Decrypt every row the way the app would (with whatever cipher it has)."""
    async with unit_of_work(sessions, org) as session:
        cipher = await org_cipher(session, keystore, org)
        rows = (
            await session.execute(
                text(
                    "SELECT id, email, email_bidx, phone, phone_bidx FROM keys_test_patients"
                    " WHERE email IS NOT NULL"
                )
            )
        ).all()
        return {
            r.id: (
                cipher.decrypt(r.email, table, "email", r.id),
                cipher.decrypt(r.phone, table, "phone", r.id),
                key_version(r.email),
                key_version(r.phone),
                bytes(r.email_bidx),
                bytes(r.phone_bidx),
            )
            for r in rows
        }


async def _key_states(sessions: async_sessionmaker[AsyncSession], org: uuid.UUID) -> list[tuple[int, str]]:
    async with unit_of_work(sessions, org) as session:
        rows = await session.execute(
            select(OrganizationKey.version, OrganizationKey.state)
            .where(OrganizationKey.purpose == "data")
            .order_by(OrganizationKey.version)
        )
        return [(v, s) for v, s in rows.all()]


async def _job_run(sessions: async_sessionmaker[AsyncSession], org: uuid.UUID, run_id: uuid.UUID) -> JobRun:
    async with unit_of_work(sessions, org) as session:
        return (await session.execute(select(JobRun).where(JobRun.id == run_id))).scalar_one()


async def test_interrupted_rotation_resumes_and_completes(
    live_runtime: Runtime, keystore: KeyStore, patients_table: str, registered: list[EncryptedColumn]
) -> None:
    sessions = live_runtime.sessions
    org = await committed_org(live_runtime)
    other_org = await committed_org(live_runtime, "Bystander Clinic")
    patients = await _insert_patients(sessions, keystore, org, patients_table, ROWS)
    bystanders = await _insert_patients(sessions, keystore, other_org, patients_table, 3)
    before = await _read_all(sessions, keystore, org, patients_table)
    assert {v[2] for v in before.values()} == {1}

    async with unit_of_work(sessions, org) as session:
        version, run = await start_data_key_rotation(session, keystore, org)
    assert version == 2
    assert await _key_states(sessions, org) == [(1, "active"), (2, "pending")]

    # The worker dies after its second batch of 5.
    async def crash_after_two_batches(done: int) -> None:
        if done >= 10:
            raise Interrupted

    with pytest.raises(Interrupted):
        await run_rotation(sessions, keystore, org, run.id, batch_size=5, after_batch=crash_after_two_batches)

    # Halfway: both versions in the table, the app still reads every value and writes under v2.
    halfway = await _read_all(sessions, keystore, org, patients_table)
    assert {pid: v[:2] for pid, v in halfway.items()} == {p.id: (p.email, p.phone) for p in patients}
    assert {v[2] for v in halfway.values()} == {1, 2}
    assert await _key_states(sessions, org) == [(1, "retiring"), (2, "active")]
    stopped = await _job_run(sessions, org, run.id)
    assert (stopped.status, stopped.done, stopped.total) == ("running", 10, 2 * ROWS)
    late = await _insert_patients(sessions, keystore, org, patients_table, 1)
    assert (await _read_all(sessions, keystore, org, patients_table))[late[0].id][2] == 2

    # Run again: it carries on where it stopped and finishes.
    outcome = await run_rotation(sessions, keystore, org, run.id, batch_size=5)
    assert (outcome.status, outcome.reencrypted, outcome.unreadable) == ("succeeded", 2 * ROWS - 10, 0)

    after = await _read_all(sessions, keystore, org, patients_table)
    assert {pid: v[:2] for pid, v in after.items()} == {p.id: (p.email, p.phone) for p in [*patients, *late]}
    assert {v[2:4] for v in after.values()} == {(2, 2)}
    # Blind indexes do not depend on the data key: look-ups worked throughout and still do.
    assert {pid: v[4:] for pid, v in after.items() if pid in before} == {
        pid: v[4:] for pid, v in before.items()
    }
    assert await _key_states(sessions, org) == [(1, "retired"), (2, "active")]
    finished = await _job_run(sessions, org, run.id)
    assert (finished.status, finished.done, finished.total) == ("succeeded", 2 * ROWS, 2 * ROWS)
    # Another organisation's rows were not touched.
    untouched = await _read_all(sessions, keystore, other_org, patients_table)
    assert {v[2] for v in untouched.values()} == {1} and len(untouched) == len(bystanders)

    # A run after success changes nothing; a second rotation starts from v2.
    assert (await run_rotation(sessions, keystore, org, run.id)).reencrypted == 0
    async with unit_of_work(sessions, org) as session:
        assert (await start_data_key_rotation(session, keystore, org))[0] == 3
        with pytest.raises(CryptoError, match="under way"):
            await start_data_key_rotation(session, keystore, org)


async def test_new_key_waits_until_every_process_knows_it(
    db: AsyncSession,
    org: uuid.UUID,
    sessions: async_sessionmaker[AsyncSession],
    keystore: KeyStore,
    registered: list[EncryptedColumn],
) -> None:
    keystore.cache_ttl = 30.0
    version, run = await start_data_key_rotation(db, keystore, org)
    outcome = await run_rotation(sessions, keystore, org, run.id)
    assert outcome.status == "waiting" and outcome.retry_in is not None and 25 < outcome.retry_in <= 30
    states = (
        await db.execute(
            select(OrganizationKey.version, OrganizationKey.state)
            .where(OrganizationKey.purpose == "data")
            .order_by(OrganizationKey.version)
        )
    ).all()
    assert [tuple(s) for s in states] == [(1, "active"), (version, "pending")]
    # Meanwhile new values still go under v1, and v2 is already known for decryption.
    keystore.forget(org)
    cipher = await org_cipher(db, keystore, org)
    assert cipher.active_version == 1 and cipher.versions == {1, 2}


async def test_rotation_runs_as_a_procrastinate_job(
    live_runtime: Runtime,
    keystore: KeyStore,
    patients_table: str,
    registered: list[EncryptedColumn],
    owner_engine: AsyncEngine,
) -> None:
    sessions = live_runtime.sessions
    org = await committed_org(live_runtime)
    patients = await _insert_patients(sessions, keystore, org, patients_table, 4)
    async with unit_of_work(sessions, org) as session:
        version, run = await start_rotation(session, keystore, org)
    assert run.procrastinate_job_id is not None

    await drain(live_runtime, [QUEUE])

    async with owner_engine.connect() as conn:
        status = (
            await conn.execute(
                text("SELECT status FROM procrastinate_jobs WHERE id = :id"), {"id": run.procrastinate_job_id}
            )
        ).scalar_one()
    assert status == "succeeded"
    finished = await _job_run(sessions, org, run.id)
    assert (finished.status, finished.done, finished.total) == ("succeeded", 8, 8)
    after = await _read_all(sessions, keystore, org, patients_table)
    assert {v[2:4] for v in after.values()} == {(version, version)}
    assert {pid: v[:2] for pid, v in after.items()} == {p.id: (p.email, p.phone) for p in patients}


async def test_composite_keys_and_custom_column_labels(
    live_runtime: Runtime, keystore: KeyStore, patients_table: str
) -> None:
    """Values keyed by (field, record) and bound to "cf:<field id>", as custom-field values are."""
    spec = ENCRYPTED_COLUMNS.register(
        VALUES_TABLE,
        "value_encrypted",
        id_column="record_id",
        key_columns=("field_id", "record_id"),
        aad_column=lambda key: f"cf:{key['field_id']}",
    )
    sessions = live_runtime.sessions
    org = await committed_org(live_runtime)
    fields, records = [uuid.uuid4() for _ in range(3)], [uuid.uuid4() for _ in range(4)]
    try:
        async with unit_of_work(sessions, org) as session:
            cipher = await org_cipher(session, keystore, org)
            for field in fields:
                for record in records:
                    await session.execute(
                        text(
                            "INSERT INTO keys_test_field_values (field_id, record_id, value_encrypted)"
                            " VALUES (:f, :r, :v)"
                        ),
                        {
                            "f": field,
                            "r": record,
                            "v": cipher.encrypt(f"{field}/{record}", VALUES_TABLE, f"cf:{field}", record),
                        },
                    )
            _, run = await start_data_key_rotation(session, keystore, org)
        # Batches of 5 cut through the composite key at arbitrary places.
        outcome = await run_rotation(sessions, keystore, org, run.id, columns=[spec], batch_size=5)
        assert (outcome.status, outcome.reencrypted, outcome.unreadable) == ("succeeded", 12, 0)
        async with unit_of_work(sessions, org) as session:
            cipher = await org_cipher(session, keystore, org)
            rows = (
                await session.execute(
                    text("SELECT field_id, record_id, value_encrypted FROM keys_test_field_values")
                )
            ).all()
            assert len(rows) == 12
            for field, record, value in rows:
                assert key_version(value) == 2
                assert cipher.decrypt(value, VALUES_TABLE, f"cf:{field}", record) == f"{field}/{record}"
    finally:
        ENCRYPTED_COLUMNS.unregister(spec.table, spec.column)
