"""Rotating keys.

Data key (per organisation, a background job that keeps the app serving):

1. ``start_data_key_rotation`` adds version N+1 as ``pending``: every process loads it
   (and can decrypt with it) within the key store's cache TTL, but nobody encrypts with it.
2. The job waits out that TTL, then makes N+1 ``active`` and the old versions ``retiring``.
   Processes switch to N+1 within another TTL; until then they may still write under N,
   which is fine: N still decrypts, and the job re-checks after the TTL.
3. It re-encrypts, batch by batch (one transaction each, progress in ``job_runs``), every
   value of every registered column whose header is not N+1 (blind indexes stay: their key
   does not rotate with the data key). Interrupted, it is simply run again: it selects by
   header, so finished rows are never touched twice.
4. When nothing (readable) is left under an old version, those become ``retired``. Retired
   keys are kept and still decrypt, so a straggler is never lost.

Master key: ``rewrap_master`` re-wraps every organisation's keys under the active master
key in one transaction (the keys themselves do not change, nor does any ciphertext), and
``reseal_global`` re-seals registered global secrets, as the owner role.
"""

from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm.core import jobs
from crm.core.db import set_tenant, unit_of_work
from crm.core.security.crypto import (
    ENCRYPTED_COLUMNS,
    CryptoError,
    EncryptedColumn,
    KeyStore,
    SealedColumn,
)
from crm.core.security.crypto_cipher import org_header
from crm.keys import repository
from crm.models import JobRun
from crm.models.keys import OrganizationKey

log = logging.getLogger(__name__)

TASK_NAME = "keys.rotate_data_key"
BATCH_SIZE = 500
MAX_PASSES = 3
BUSY_RETRY_SECONDS = 5.0
# Importing these runs every register_encrypted_column/register_sealed_column call, wherever a
# feature placed it (model or service module): the API mounts every domain.
REGISTRATION_MODULES = ("crm.models", "crm.api")


def registered_columns() -> tuple[list[EncryptedColumn], list[SealedColumn]]:
    """Every encrypted and sealed column the code base declares."""
    for module in REGISTRATION_MODULES:
        importlib.import_module(module)
    return ENCRYPTED_COLUMNS.encrypted(), ENCRYPTED_COLUMNS.sealed()


@dataclass(frozen=True)
class RotationOutcome:
    """``retry_in`` set: run the job again after that many seconds (waiting, or rows busy)."""

    status: str
    active_version: int | None
    reencrypted: int = 0
    unreadable: int = 0
    retry_in: float | None = None


@dataclass
class _Pass:
    reencrypted: int = 0
    unreadable: int = 0


AfterBatch = Callable[[int], Awaitable[None]]


async def start_data_key_rotation(
    session: AsyncSession, keystore: KeyStore, organization_id: uuid.UUID
) -> tuple[int, JobRun]:
    """Add the next data key version and create its tracking ``JobRun`` (enqueueing is the caller's).

    Refuses while a rotation is unfinished: resume that one instead.
    """
    states = (
        await session.execute(
            select(OrganizationKey.state).where(
                OrganizationKey.organization_id == organization_id, OrganizationKey.purpose == "data"
            )
        )
    ).scalars()
    if any(state in ("pending", "retiring") for state in states):
        raise CryptoError("a data key rotation is already under way for this organisation; resume it")
    version = await keystore.add_data_key(session, organization_id)
    run = JobRun(
        task_name=TASK_NAME, status="queued", done=0, message=f"rotating to data key version {version}"
    )
    session.add(run)
    await session.flush()
    return version, run


async def latest_rotation(session: AsyncSession) -> JobRun | None:
    """The organisation's latest data key rotation run (the session is scoped to it)."""
    return (
        await session.execute(
            select(JobRun).where(JobRun.task_name == TASK_NAME).order_by(JobRun.created_at.desc()).limit(1)
        )
    ).scalar_one_or_none()


async def unfinished_rotation(session: AsyncSession) -> JobRun | None:
    """The organisation's latest rotation run, unless it finished."""
    run = await latest_rotation(session)
    return run if run is not None and run.status != "succeeded" else None


async def _advance(
    session: AsyncSession, keystore: KeyStore, organization_id: uuid.UUID, job_run_id: uuid.UUID
) -> tuple[int | None, float | None, bool]:
    """Promote a pending key once every process knows it. Returns (active version, seconds
    to wait before it may be promoted or retired, whether old versions remain)."""
    rows = (
        await session.execute(
            text(
                "SELECT id, version, state,"
                " extract(epoch FROM now() - created_at)::float AS age,"
                " extract(epoch FROM now() - activated_at)::float AS active_for"
                " FROM organization_keys WHERE organization_id = :org AND purpose = 'data'"
                " ORDER BY version FOR UPDATE"
            ),
            {"org": organization_id},
        )
    ).all()
    pending = [row for row in rows if row.state == "pending"]
    if pending:
        wait = keystore.cache_ttl - pending[-1].age
        if wait > 0:
            await jobs.report_progress(
                session,
                job_run_id,
                done=0,
                status="queued",
                message="waiting for every process to load the new key",
            )
            return None, wait, True
        keystore.mark_changed(organization_id, session)
        await session.execute(
            update(OrganizationKey)
            .where(OrganizationKey.organization_id == organization_id, OrganizationKey.purpose == "data")
            .where(OrganizationKey.state == "active")
            .values(state="retiring")
        )
        await session.execute(
            update(OrganizationKey)
            .where(OrganizationKey.id == pending[-1].id)
            .values(state="active", activated_at=text("now()"))
        )
        log.info(
            "data key activated",
            extra={"organization_id": str(organization_id), "version": pending[-1].version},
        )
        return pending[-1].version, keystore.cache_ttl, True
    active = [row for row in rows if row.state == "active"]
    if not active:
        raise CryptoError("the organisation has no active data key")
    retiring = any(row.state == "retiring" for row in rows)
    return active[0].version, max(0.0, keystore.cache_ttl - (active[0].active_for or 0.0)), retiring


async def run_rotation(
    sessions: async_sessionmaker[AsyncSession],
    keystore: KeyStore,
    organization_id: uuid.UUID,
    job_run_id: uuid.UUID,
    *,
    columns: Sequence[EncryptedColumn] | None = None,
    batch_size: int = BATCH_SIZE,
    after_batch: AfterBatch | None = None,
) -> RotationOutcome:
    """One run of the rotation job (see the module docstring); safe to repeat at any point."""
    columns = registered_columns()[0] if columns is None else list(columns)
    async with unit_of_work(sessions, organization_id) as session:
        active, wait, retiring = await _advance(session, keystore, organization_id, job_run_id)
        if active is None:
            return RotationOutcome("waiting", None, retry_in=wait)
        run = (await session.execute(select(JobRun).where(JobRun.id == job_run_id))).scalar_one()
        done = run.done
        if not retiring:
            await jobs.report_progress(session, job_run_id, done=done, total=done, status="succeeded")
            return RotationOutcome("succeeded", active)
        prefix = org_header(active)
        remaining = sum([await repository.count_stale(session, c, organization_id, prefix) for c in columns])
        await jobs.report_progress(
            session,
            job_run_id,
            done=done,
            total=done + remaining,
            status="running",
            message=f"re-encrypting under data key version {active}",
        )

    total = _Pass()
    for _ in range(MAX_PASSES):
        result = await _reencrypt_pass(
            sessions, keystore, organization_id, job_run_id, active, columns, batch_size, done, after_batch
        )
        done += result.reencrypted
        total.reencrypted += result.reencrypted
        async with unit_of_work(sessions, organization_id) as session:
            remaining = sum(
                [await repository.count_stale(session, c, organization_id, prefix) for c in columns]
            )
        if remaining <= result.unreadable:
            total.unreadable = result.unreadable
            break
    else:
        return RotationOutcome("running", active, total.reencrypted, retry_in=BUSY_RETRY_SECONDS)

    async with unit_of_work(sessions, organization_id) as session:
        if wait and wait > 0:
            # Other processes may still encrypt under the old key until their caches expire.
            await jobs.report_progress(
                session,
                job_run_id,
                done=done,
                total=done + remaining,
                status="running",
                message="waiting for every process to switch keys before the final check",
            )
            return RotationOutcome("running", active, total.reencrypted, total.unreadable, retry_in=wait)
        keystore.mark_changed(organization_id, session)
        await session.execute(
            update(OrganizationKey)
            .where(
                OrganizationKey.organization_id == organization_id,
                OrganizationKey.purpose == "data",
                OrganizationKey.state == "retiring",
            )
            .values(state="retired", retired_at=text("now()"))
        )
        message = f"all values under data key version {active}"
        if total.unreadable:
            message += f"; {total.unreadable} unreadable values left as they were"
        await jobs.report_progress(
            session, job_run_id, done=done, total=done + remaining, status="succeeded", message=message
        )
    log.info(
        "data key rotation finished",
        extra={"organization_id": str(organization_id), "version": active, "unreadable": total.unreadable},
    )
    return RotationOutcome("succeeded", active, total.reencrypted, total.unreadable)


async def _reencrypt_pass(
    sessions: async_sessionmaker[AsyncSession],
    keystore: KeyStore,
    organization_id: uuid.UUID,
    job_run_id: uuid.UUID,
    active: int,
    columns: Sequence[EncryptedColumn],
    batch_size: int,
    done: int,
    after_batch: AfterBatch | None,
) -> _Pass:
    result = _Pass()
    prefix = org_header(active)
    for spec in columns:
        after: tuple[Any, ...] | None = None
        while True:
            async with unit_of_work(sessions, organization_id) as session:
                cipher = await keystore.org_cipher(session, organization_id)
                if cipher.active_version != active:
                    keystore.forget(organization_id)
                    cipher = await keystore.org_cipher(session, organization_id)
                if cipher.active_version != active:
                    raise CryptoError("the active data key changed during the rotation")
                rows = await repository.lock_stale_batch(
                    session, spec, organization_id, prefix, after, batch_size
                )
                if not rows:
                    break
                batch: list[repository.Reencrypted] = []
                for row in rows:
                    row_id, aad_column = row.keys[spec.id_column], spec.aad_column_of(row.keys)
                    try:
                        plaintext = cipher.decrypt_bytes(row.value, spec.table, aad_column, row_id)
                    except CryptoError:
                        # Never guess: count it, name the row (ids are not personal data), move on.
                        result.unreadable += 1
                        log.warning(
                            "encrypted value cannot be decrypted; left as it is",
                            extra={"table": spec.table, "column": spec.column, "row_id": str(row_id)},
                        )
                        continue
                    new_value = cipher.encrypt_bytes(plaintext, spec.table, aad_column, row_id)
                    batch.append(repository.Reencrypted(row.keys, row.value, new_value))
                await repository.write_batch(session, spec, batch)
                result.reencrypted += len(batch)
                await jobs.report_progress(
                    session, job_run_id, done=done + result.reencrypted, status="running"
                )
                after = tuple(rows[-1].keys[name] for name in spec.key_columns)
            if after_batch is not None:
                await after_batch(result.reencrypted)
    return result


# -- master key ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RewrapReport:
    organizations: int
    keys: int


async def rewrap_master(
    sessions: async_sessionmaker[AsyncSession],
    keystore: KeyStore,
    organization_ids: Sequence[uuid.UUID] | None = None,
) -> RewrapReport:
    """Re-wrap every organisation's keys (or those given) under the active master key, at once."""
    active = keystore.provider.active_key_id
    async with unit_of_work(sessions) as session:
        if organization_ids is None:
            found = await session.execute(
                text("SELECT keys_organizations_to_rewrap(:active)"), {"active": active}
            )
            organization_ids = [uuid.UUID(str(value)) for value in found.scalars()]
        keys = 0
        for organization_id in organization_ids:
            await set_tenant(session, organization_id)
            keys += await keystore.rewrap(session, organization_id)
        await set_tenant(session, None)
    log.info(
        "master key rewrap",
        extra={"master_key_id": active, "organizations": len(organization_ids), "keys": keys},
    )
    return RewrapReport(len(organization_ids), keys)


async def master_key_usage(session: AsyncSession) -> dict[str, tuple[int, int]]:
    """Per master key version: (organisations, keys) still wrapped with it."""
    rows = (await session.execute(text("SELECT * FROM keys_master_key_usage()"))).all()
    return {str(row.master_key_id): (int(row.organizations), int(row.keys)) for row in rows}


@dataclass(frozen=True)
class ResealReport:
    resealed: int
    unreadable: list[str]


async def reseal_global(
    owner_session: AsyncSession, keystore: KeyStore, columns: Sequence[SealedColumn] | None = None
) -> ResealReport:
    """Re-seal registered global secrets under the active master key (as the owner role: these
    rows belong to no single tenant). Values that do not open are reported, not changed."""
    columns = registered_columns()[1] if columns is None else list(columns)
    if columns and not await repository.owner_bypasses_rls(owner_session):
        raise CryptoError(
            "resealing needs the owner role to bypass row-level security (superuser or BYPASSRLS)"
        )
    resealed = 0
    unreadable: list[str] = []
    for spec in columns:
        for row_id, value in await repository.sealed_values(owner_session, spec):
            old = bytes(value)
            if not keystore.global_needs_reseal(old):
                continue
            aad = spec.aad(row_id)
            try:
                plaintext = keystore.open_global(old, aad)
            except CryptoError:
                unreadable.append(f"{spec.table}.{spec.column}:{row_id}")
                continue
            await repository.write_sealed(
                owner_session, spec, row_id, old, keystore.seal_global(plaintext, aad)
            )
            resealed += 1
    return ResealReport(resealed, unreadable)
