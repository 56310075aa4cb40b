"""Benchmark: CSV import of 100,000 contacts with encryption, blind indexes and exact dedupe.

Run by hand (not part of the test suite)::

    backend/.venv/bin/python bench/import_speed.py [--rows 100000] [--existing 10000] [--profile FILE]

(``--profile``: CPU time of the importer's main thread. The child process that prepares batches
is forked while the profiler runs and inherits it, so its CPU figure is inflated in that run.)

It creates a database of its own on the bench server (``.data/bench``, dropped at the end), seeds
10,000 existing contacts (through the importer), then times a real import job end to end (file
read from storage, decoding, parsing, validation, AES-GCM encryption, blind indexes, one dedupe
look-up per batch, set-based inserts, follow-ups, progress and row errors committed per batch).
5 % of the rows duplicate an existing contact, 1 % repeat an earlier row of the file and 0.5 %
are invalid. The floor, measured in the same run before and after the import (the mean counts):
as many bare rows INSERTed ... SELECTed into contacts in batches of the same size (no parsing, no
crypto, no identifiers). The machine is shared, so besides rows/s and the ratio to the floor it
reports CPU seconds per 1,000 rows of the importer process (all threads) and of the database's
backends (read from /proc), which the load of other processes does not change as much.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import random
import resource
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from common import bench_settings, emit, ensure_backend_on_path, machine, note

ensure_backend_on_path()

import psycopg  # noqa: E402
from crm.auth.permissions import Scope  # noqa: E402
from crm.core import migrate  # noqa: E402
from crm.core.config import Settings  # noqa: E402
from crm.core.db import DatabaseUrls, resolve_urls, unit_of_work  # noqa: E402
from crm.core.embedded_postgres import socket_dir_of  # noqa: E402
from crm.core.runtime import Runtime, build_runtime  # noqa: E402
from crm.core.security import passwords  # noqa: E402
from crm.dataio import importer  # noqa: E402
from crm.dataio.mapping import suggest  # noqa: E402
from crm.member.service import add_member  # noqa: E402
from crm.models import ImportRun, JobRun, Organization, Role  # noqa: E402
from sqlalchemy import text  # noqa: E402

DATABASE = f"crm_bench_import_{os.getpid()}"
TICK = os.sysconf("SC_CLK_TCK")

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


def _server_cpu(conninfo: str) -> dict[int, float]:
    """CPU seconds used so far by each server process connected to the bench database (read from
    /proc: the embedded server runs on this machine). Other databases' backends are not counted."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        pids = [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (DATABASE,)
        )]  # fmt: skip
    used: dict[int, float] = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
    return used


class CpuMeter:
    """CPU seconds of this process (all threads, reaped children) and of the database's backends."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo

    def __enter__(self) -> CpuMeter:
        self.server_before = _server_cpu(self.conninfo)
        self.own_before = self._own()
        self.children_before = self._children()
        self.wall = time.perf_counter()
        return self

    @staticmethod
    def _children() -> float:
        # The importer's child process (it prepares batches of a large file), once reaped.
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return children.ru_utime + children.ru_stime

    @classmethod
    def _own(cls) -> float:
        me = resource.getrusage(resource.RUSAGE_SELF)
        return me.ru_utime + me.ru_stime + cls._children()

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.own = self._own() - self.own_before
        self.children = self._children() - self.children_before
        after = _server_cpu(self.conninfo)
        # A backend that started during the phase counts whole; one that ended is lost (pooled: rare).
        self.server = sum(used - self.server_before.get(pid, 0.0) for pid, used in after.items())


async def _import(
    runtime: Runtime, org: uuid.UUID, user: uuid.UUID, data: bytes, conninfo: str, profile: str | None = None
) -> tuple[CpuMeter, ImportRun]:
    import_id = uuid.uuid4()
    key = importer.source_key(org, import_id, "utf-8")
    await runtime.storage.put(key, _chunks(data), "text/csv", max_bytes=len(data) + 1)
    async with unit_of_work(runtime.sessions, org, user) as session:
        source = await importer.open_file(runtime.storage, key)
        await source.close()
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
    # CPU time of this thread, not wall time: on a loaded machine wall time lands on whatever
    # function was running when the scheduler took the core away.
    profiler = cProfile.Profile(time.thread_time) if profile else None
    with CpuMeter(conninfo) as meter:
        if profiler:
            profiler.enable()
        status = await importer.run_import(runtime, org, import_id, job_id, Scope.all)
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)  # type: ignore[arg-type]
    assert status == "completed", status
    async with unit_of_work(runtime.sessions, org, user) as session:
        run = await session.get(ImportRun, import_id)
        assert run is not None
    return meter, run


async def _baseline(runtime: Runtime, rows: int, conninfo: str) -> CpuMeter:
    """The same number of bare rows INSERTed ... SELECTed into contacts in batches of the importer's
    size, in an organisation of their own: the database's floor at this moment."""
    org = uuid.uuid4()
    async with unit_of_work(runtime.sessions, org) as session:
        session.add(Organization(id=org, name="Baseline", slug=f"base-{org.hex[:12]}"))
    with CpuMeter(conninfo) as meter:
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
    return meter


def _per_1000(seconds: float, rows: int) -> float:
    return round(seconds * 1000 / rows, 3)


async def main(
    settings: Settings, urls: DatabaseUrls, conninfo: str, rows: int, existing: int, profile: str | None
) -> dict[str, object]:
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
        note(f"seeding {existing} contacts")
        await _import(runtime, org, user_id, seed, conninfo)
        # The floor is taken before and after the import and averaged: the machine's load drifts.
        note("baseline (before)")
        before = await _baseline(runtime, rows, conninfo)
        note(f"importing {rows} rows")
        meter, run = await _import(runtime, org, user_id, data, conninfo, profile)
        note("baseline (after)")
        after = await _baseline(runtime, rows, conninfo)
        floor = (before.wall + after.wall) / 2
        floor_server = (before.server + after.server) / 2
        return {
            "bench": "import_speed",
            "rows": rows,
            "existing_contacts": existing,
            "file_bytes": len(data),
            "seconds": round(meter.wall, 2),
            "rows_per_s": round(rows / meter.wall),
            "created": run.created_count,
            "updated": run.updated_count,
            "skipped_duplicates": run.skipped_count,
            "failed": run.failed_count,
            "batch_size": importer.BATCH_SIZE,
            "baseline_bare_insert_rows_per_s": round(rows / floor),
            "baseline_rows_per_s_before_after": [round(rows / before.wall), round(rows / after.wall)],
            "ratio_to_baseline": round(floor / meter.wall, 3),
            "cpu_s_per_1000_rows": {
                "importer_process": _per_1000(meter.own, rows),
                "of_which_child_process": _per_1000(meter.children, rows),
                "database_backends": _per_1000(meter.server, rows),
                "baseline_process": _per_1000((before.own + after.own) / 2, rows),
                "baseline_database_backends": _per_1000(floor_server, rows),
            },
            "cpu_ratio_to_baseline": round(floor_server / max(meter.own + meter.server, 1e-9), 3),
            "target_rows_per_s": 5000,
            "meets_target": rows / meter.wall >= 5000,
            "machine": machine(),
        }
    finally:
        await runtime.close()


def _database(settings: Settings) -> tuple[DatabaseUrls, str]:
    """A fresh database of this run's own on the bench server, migrated to head."""
    socket_dir = socket_dir_of(settings.data_dir / "pg")
    owner = f"host={socket_dir} user=postgres dbname=postgres"
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    urls = resolve_urls(settings, database=DATABASE)  # creates it
    migrate.upgrade(settings, urls)  # runs its own event loop
    return urls, owner


def _drop(owner: str) -> None:
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--existing", type=int, default=10_000)
    parser.add_argument("--profile", help="write a cProfile of the timed import to this file")
    arguments = parser.parse_args()
    settings = bench_settings(password_hash_profile="test")  # noqa: S106 (a hashing profile, no secret)
    passwords.configure(settings.password_hash_profile)
    urls, owner = _database(settings)
    try:
        result = asyncio.run(
            main(settings, urls, owner, arguments.rows, arguments.existing, arguments.profile)
        )
    finally:
        _drop(owner)
    emit(result)
