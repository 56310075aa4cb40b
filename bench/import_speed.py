"""Benchmark: CSV import of 100,000 contacts with encryption, blind indexes and exact dedupe.

Run by hand (not part of the test suite)::

    backend/.venv/bin/python bench/import_speed.py [--rows 100000] [--existing 10000]

It creates a database of its own on the embedded server, seeds 10,000 existing contacts
(through the importer), then times a real import job end to end (file read from storage,
decoding, parsing, validation, AES-GCM encryption, blind indexes, one dedupe look-up per
batch, set-based inserts, progress and row errors committed per batch). 5 % of the rows
duplicate an existing contact, 1 % repeat an earlier row of the file and 0.5 % are invalid.
As a baseline measured in the same run, the same number of bare rows is inserted with the
plain INSERT ... SELECT into the same table in batches of the same size (no parsing, no
crypto, no identifiers): the floor the database sets on this machine at this moment. Prints
one JSON line with both rates and their ratio (the machine is shared: compare the ratio).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

os.environ.setdefault("CRM_TEST_DATABASE", f"crm_bench_import_{os.getpid()}")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))  # the tests' database helpers

from common import emit, machine
from crm.auth.permissions import Scope
from crm.core.config import Settings
from crm.core.db import DatabaseUrls, unit_of_work
from crm.core.runtime import Runtime, build_runtime
from crm.core.security import passwords
from crm.dataio import importer
from crm.member.service import add_member
from crm.models import ImportRun, JobRun, Organization, Role
from sqlalchemy import text
from tests.fixtures.database import drop_database, prepare_database, test_settings

HEADER = "First Name,Last Name,E-mail Address,Mobile Phone,Company Name,Job Title,City,Date of Birth,Tags\n"
FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Radia", "Tim", "Frances"]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Hamilton",
    "Thompson",
    "Perlman",
    "Lee",
]
CITIES = ["London", "Zürich", "Lisbon", "Kraków", "Dublin", "Madrid", "Oslo", "Athens"]


def _row(n: int, rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    return (
        f"{first},{last},{first.lower()}.{last.lower()}.{n}@example.org,+44 7700 {n:07d},"
        f"Clinic {n % 500},Nurse,{rng.choice(CITIES)},{1950 + n % 50}-0{1 + n % 9}-1{n % 10},patient;vip\n"
    )


def build_csv(rows: int, existing: int, seed: int = 7) -> tuple[bytes, bytes]:
    rng = random.Random(seed)
    seed_rows = "".join(_row(1_000_000 + n, rng) for n in range(existing))
    lines = []
    for n in range(rows):
        roll = rng.random()
        if roll < 0.05:
            lines.append(_row(1_000_000 + rng.randrange(existing), rng))  # an existing contact
        elif roll < 0.06 and n > 0:
            lines.append(_row(rng.randrange(n), rng))  # an earlier row of this file
        elif roll < 0.065:
            lines.append(f"Broken,Row,not-an-email-{n},,,,,,\n")
        else:
            lines.append(_row(n, rng))
    return (HEADER + seed_rows).encode(), (HEADER + "".join(lines)).encode()


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(data), 1024 * 1024):
        yield data[start : start + 1024 * 1024]


async def _import(runtime: Runtime, org: uuid.UUID, user: uuid.UUID, data: bytes) -> tuple[float, ImportRun]:
    import_id = uuid.uuid4()
    key = importer.source_key(org, import_id, "utf-8")
    await runtime.storage.put(key, _chunks(data), "text/csv", max_bytes=len(data) + 1)
    async with unit_of_work(runtime.sessions, org, user) as session:
        source = await importer.open_file(runtime.storage, key)
        await source.close()
        from crm.dataio.mapping import suggest

        mapping = {h: t or "" for h, t in suggest(source.headers, {}).items()}
        job = JobRun(task_name="bench", status="queued")
        session.add(job)
        await session.flush()
        session.add(
            ImportRun(
                id=import_id,
                object_type="contact",
                file_name="bench.csv",
                storage_key=key,
                mapping=mapping,
                duplicate_policy="skip",
                status="queued",
                created_by=user,
                job_run_id=job.id,
            )
        )
        job_id = job.id
    started = time.perf_counter()
    status = await importer.run_import(runtime, org, import_id, job_id, Scope.all)
    elapsed = time.perf_counter() - started
    assert status == "completed", status
    async with unit_of_work(runtime.sessions, org, user) as session:
        run = await session.get(ImportRun, import_id)
        assert run is not None
    return elapsed, run


async def _baseline(runtime: Runtime, org: uuid.UUID, rows: int) -> float:
    """The same set-based INSERT with bare rows: the database's share of the work."""
    started = time.perf_counter()
    for offset in range(0, rows, importer.BATCH_SIZE):
        size = min(importer.BATCH_SIZE, rows - offset)
        async with unit_of_work(runtime.sessions, org) as session:
            await session.execute(
                text(
                    "INSERT INTO contacts (id, first_name, last_name)"
                    " SELECT gen_random_uuid(), 'Base', 'Line' || g FROM generate_series(1, :n) AS g"
                ),
                {"n": size},
            )
    return time.perf_counter() - started


async def main(settings: Settings, urls: DatabaseUrls, rows: int, existing: int) -> dict[str, object]:
    runtime = build_runtime(settings, urls)
    try:
        org = uuid.uuid4()
        async with unit_of_work(runtime.sessions, org) as session:
            session.add(Organization(id=org, name="Bench Clinics", slug=f"bench-{org.hex[:12]}"))
            await session.flush()
            user = await add_member(
                session, email=f"bench-{org.hex[:8]}@bench.example", full_name="Bench Admin", role=Role.admin,
                password="bench-password-not-secret-123",  # noqa: S106 (a throwaway bench database)
            )  # fmt: skip
            user_id = user.id
        seed, data = build_csv(rows, existing)
        await _import(runtime, org, user_id, seed)
        elapsed, run = await _import(runtime, org, user_id, data)
        baseline_org = uuid.uuid4()
        async with unit_of_work(runtime.sessions, baseline_org) as session:
            session.add(Organization(id=baseline_org, name="Baseline", slug=f"base-{baseline_org.hex[:12]}"))
        baseline = await _baseline(runtime, baseline_org, rows)
        return {
            "bench": "import_speed",
            "rows": rows,
            "existing_contacts": existing,
            "file_bytes": len(data),
            "seconds": round(elapsed, 2),
            "rows_per_s": round(rows / elapsed),
            "created": run.created_count,
            "updated": run.updated_count,
            "skipped_duplicates": run.skipped_count,
            "failed": run.failed_count,
            "batch_size": importer.BATCH_SIZE,
            "baseline_bare_insert_rows_per_s": round(rows / baseline),
            "ratio_to_baseline": round(baseline / elapsed, 3),
            "target_rows_per_s": 5000,
            "meets_target": rows / elapsed >= 5000,
            "machine": machine(),
        }
    finally:
        await runtime.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--existing", type=int, default=10_000)
    arguments = parser.parse_args()
    bench_settings = test_settings()
    passwords.configure(bench_settings.password_hash_profile)
    bench_urls = prepare_database(bench_settings)  # migrations run their own event loop
    try:
        result = asyncio.run(main(bench_settings, bench_urls, arguments.rows, arguments.existing))
    finally:
        drop_database(bench_settings)
    emit(result)
