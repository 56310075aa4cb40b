"""Seed the bench database: two organisations, each with 1M contacts, 200k companies, 300k deals,
2M activities (times ``--scale``), users, a 6-stage pipeline and two custom fields on contacts.

    backend/.venv/bin/python bench/seed.py                # full scale, database crm_bench
    backend/.venv/bin/python bench/seed.py --scale 0.01   # 1 %, database crm_bench_s0_01
    backend/.venv/bin/python bench/seed.py --reset        # drop that database first

How it stays fast: rows are rendered as COPY text by a pool of forked processes (the
contacts' e-mails and phones are encrypted there with the organisation's real AES-GCM
cipher, and their blind indexes computed with its real HMAC keys) and streamed to
PostgreSQL as the owner role with ``cursor.copy``. During the load the bulk tables'
secondary indexes are dropped (their definitions kept in ``bench.dropped_indexes``) and
foreign-key triggers are off (``session_replication_role = replica``: the generator builds
consistent references by construction); the indexes are rebuilt two at a time, then
``VACUUM (ANALYZE)`` sets statistics and the visibility map.

Resumable: organisations, users and keys are created once; each table's load (both
organisations, rows interleaved as concurrent tenants would leave them) is one
transaction, skipped when the table already has rows;
dropped indexes are re-created from the bookkeeping table. A finished seed is recorded in
``bench.state`` and the next run says so and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import importlib.util
import itertools
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

from common import (
    ADMIN_PASSWORD,
    BACKEND,
    ORG_SLUGS,
    SEED_SCHEMA,
    BenchDatabase,
    emit,
    ensure_backend_on_path,
    machine,
    note,
    open_results,
)

ensure_backend_on_path()

import psycopg  # noqa: E402

import seed_data as data  # noqa: E402

USERS_PER_ORG = 20
BULK_TABLES = ("companies", "contacts", "contact_identifiers", "custom_field_values", "deals", "activities")
SEED_VERSION = 2  # bump when the generated data changes shape (2: tenants interleaved row by row)

# Set in the parent before the pool forks: OrgCipher objects refuse to be pickled (they hold keys),
# so workers inherit them instead of receiving them.
_CIPHERS: dict[int, Any] = {}


def _counts(scale: float) -> dict[str, int]:
    return {
        "companies": max(50, round(200_000 * scale)),
        "contacts": max(100, round(1_000_000 * scale)),
        "deals": max(60, round(300_000 * scale)),
        "activities": max(200, round(2_000_000 * scale)),
    }


# --- bookkeeping ------------------------------------------------------------------------------------


def _bookkeeping(conn: psycopg.Connection) -> None:
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {SEED_SCHEMA}")
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {SEED_SCHEMA}.state (key text PRIMARY KEY, value jsonb NOT NULL)"
    )
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {SEED_SCHEMA}.dropped_indexes"
        " (name text PRIMARY KEY, tablename text NOT NULL, definition text NOT NULL, size_hint bigint)"
    )
    conn.commit()


def _state(conn: psycopg.Connection, key: str) -> Any:
    row = conn.execute(f"SELECT value FROM {SEED_SCHEMA}.state WHERE key = %s", (key,)).fetchone()
    return row[0] if row else None


def _set_state(conn: psycopg.Connection, key: str, value: Any) -> None:
    conn.execute(
        f"INSERT INTO {SEED_SCHEMA}.state (key, value) VALUES (%s, %s)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, json.dumps(value)),
    )


# --- organisations, users, keys (through the app's own services) -----------------------------------


async def _tenants(db: BenchDatabase) -> list[tuple[str, str]]:
    """Create the organisations and their users once; make their data keys. Returns (slug, org id)."""
    from crm.core.db import unit_of_work
    from crm.core.runtime import build_runtime
    from crm.core.security.crypto import keystore_for, org_cipher
    from crm.member.service import add_member
    from crm.models import Role
    from crm.organization import repository
    from crm.organization.service import create_organization

    runtime = build_runtime(db.settings, db.urls)
    out = []
    try:
        for index, slug in enumerate(ORG_SLUGS):
            async with unit_of_work(runtime.sessions) as session:
                org_id = await repository.id_by_slug(session, slug)
                if org_id is None:
                    organization = await create_organization(
                        session, f"Bench organisation {slug[-1].upper()}", slug
                    )
                    org_id = organization.id
                    roles = [Role.admin] + [Role.sales] * 15 + [Role.marketing] * 2 + [Role.support] * 2
                    for n, role in enumerate(roles[:USERS_PER_ORG]):
                        await add_member(
                            session,
                            email=f"{'admin' if n == 0 else f'user{n:02d}'}@{slug}.bench.example",
                            full_name=f"Bench {role.value.title()} {n:02d} ({slug})",
                            role=role,
                            password=ADMIN_PASSWORD if n == 0 else None,
                        )
            async with unit_of_work(runtime.sessions, org_id) as session:
                cipher = await org_cipher(session, keystore_for(db.settings), org_id)  # creates keys once
            _CIPHERS[index] = cipher
            out.append((slug, str(org_id)))
    finally:
        await runtime.close()
    # A fresh transaction reads the keys back, so the cached cipher is confirmed committed.
    runtime = build_runtime(db.settings, db.urls)
    try:
        for index, (_slug, org_id) in enumerate(out):
            import uuid

            async with unit_of_work(runtime.sessions, uuid.UUID(org_id)) as session:
                _CIPHERS[index] = await org_cipher(session, keystore_for(db.settings), uuid.UUID(org_id))
    finally:
        await runtime.close()
    return out


def _layouts(
    conn: psycopg.Connection, tenants: list[tuple[str, str]], counts: dict[str, int]
) -> list[data.OrgLayout]:
    """Users from the database; pipeline, stages and custom-field definitions inserted once."""
    layouts = []
    for index, (_slug, org_id) in enumerate(tenants):
        users = [
            str(r[0])
            for r in conn.execute(
                "SELECT user_id FROM memberships WHERE organization_id = %s ORDER BY created_at, user_id",
                (org_id,),
            )
        ]
        pipeline_id = data.ident(index, data.T_PIPELINE, 0)
        stage_ids = [data.ident(index, data.T_STAGE, n) for n in range(len(data.STAGES))]
        field_ids = {
            key: data.ident(index, data.T_FIELD, n) for n, (key, _l, _t) in enumerate(data.CUSTOM_FIELDS)
        }
        conn.execute(
            "INSERT INTO pipelines (id, organization_id, name, position, is_default)"
            " VALUES (%s, %s, 'Sales', 0, true) ON CONFLICT (id) DO NOTHING",
            (pipeline_id, org_id),
        )
        for n, (name, probability, won, lost, _share) in enumerate(data.STAGES):
            conn.execute(
                "INSERT INTO stages (id, organization_id, pipeline_id, name, position, probability,"
                " is_won, is_lost) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
                (stage_ids[n], org_id, pipeline_id, name, n, probability, won, lost),
            )
        for n, (key, label, kind) in enumerate(data.CUSTOM_FIELDS):
            conn.execute(
                "INSERT INTO custom_field_definitions (id, organization_id, object_type, key, label,"
                " field_type, position) VALUES (%s, %s, 'contact', %s, %s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING",
                (field_ids[key], org_id, key, label, kind, n),
            )
        conn.commit()
        layouts.append(
            data.OrgLayout(
                index=index,
                id=org_id,
                users=users,
                pipeline_id=pipeline_id,
                stage_ids=stage_ids,
                field_ids=field_ids,
                n_companies=counts["companies"],
                n_contacts=counts["contacts"],
                n_deals=counts["deals"],
                n_activities=counts["activities"],
            )
        )
    return layouts


# --- indexes off during the load, rebuilt after -------------------------------------------------------


def _drop_indexes(conn: psycopg.Connection) -> int:
    """Drop the bulk tables' secondary indexes (not those backing constraints), keeping their DDL."""
    rows = conn.execute(
        """
        SELECT ic.relname, t.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = 'public'
        WHERE t.relname = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        """,
        (list(BULK_TABLES),),
    ).fetchall()
    with conn.transaction():
        for name, table, definition in rows:
            conn.execute(
                f"INSERT INTO {SEED_SCHEMA}.dropped_indexes (name, tablename, definition) VALUES (%s, %s, %s)"
                " ON CONFLICT (name) DO NOTHING",
                (name, table, definition),
            )
            conn.execute(f'DROP INDEX IF EXISTS public."{name}"')
    return len(rows)


def _rebuild_indexes(db: BenchDatabase, workers: int) -> dict[str, Any]:
    with psycopg.connect(db.conninfo(owner=True), autocommit=True) as conn:
        pending = conn.execute(
            f"""SELECT d.name, d.definition FROM {SEED_SCHEMA}.dropped_indexes d
                LEFT JOIN pg_class c ON c.relname = d.tablename
                ORDER BY c.reltuples DESC NULLS LAST, d.definition LIKE '%%USING gin%%' DESC, d.name"""
        ).fetchall()
    timings: dict[str, float] = {}

    def build(item: tuple[str, str]) -> None:
        name, definition = item
        started = time.perf_counter()
        with psycopg.connect(db.conninfo(owner=True)) as conn:
            conn.execute("SET maintenance_work_mem = '1GB'")
            conn.execute("SET max_parallel_maintenance_workers = 0")  # we build two at once instead
            with conn.transaction():
                conn.execute(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
                conn.execute(f"DELETE FROM {SEED_SCHEMA}.dropped_indexes WHERE name = %s", (name,))
        timings[name] = round(time.perf_counter() - started, 1)
        note(f"  index {name}: {timings[name]} s")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(build, pending))
    return {
        "indexes": len(pending),
        "seconds": round(time.perf_counter() - started, 1),
        "slowest": dict(sorted(timings.items(), key=lambda kv: -kv[1])[:5]),
    }


# --- the bulk load ------------------------------------------------------------------------------------------


def _chunk(kind: str, org: data.OrgLayout, chunk: int, start: int, end: int) -> bytes:
    if kind == "companies":
        return data.companies_chunk(org, chunk, start, end)
    if kind == "contacts":
        return data.contacts_chunk(org, chunk, start, end, _CIPHERS[org.index])
    if kind == "contact_identifiers":
        return data.identifiers_chunk(org, chunk, start, end, _CIPHERS[org.index])
    if kind == "custom_field_values":
        return data.custom_values_chunk(org, chunk, start, end)
    if kind == "deals":
        return data.deals_chunk(org, chunk, start, end)
    if kind == "activities":
        return data.activities_chunk(org, chunk, start, end)
    raise ValueError(kind)


def _gen(task: tuple[str, list[data.OrgLayout], int, int, int]) -> tuple[bytes, int]:
    """Chunk ``chunk`` of every organisation, rows interleaved one by one: tenants share the heap
    as they do in production (loading one tenant after the other would make each tenant's rows
    contiguous, and the planner would then favour plans no real table would get)."""
    kind, orgs, chunk, start, end = task
    parts = [_chunk(kind, org, chunk, start, end).splitlines() for org in orgs]
    lines = [line for group in itertools.zip_longest(*parts) for line in group if line]
    return (b"\n".join(lines) + b"\n" if lines else b""), len(lines)


PHASES = (  # table, COPY columns, which count drives the chunks
    ("companies", data.COMPANY_COLUMNS, "companies"),
    ("contacts", data.CONTACT_COLUMNS, "contacts"),
    ("contact_identifiers", data.IDENTIFIER_COLUMNS, "contacts"),
    ("custom_field_values", data.CUSTOM_VALUE_COLUMNS, "contacts"),
    ("deals", data.DEAL_COLUMNS, "deals"),
    ("activities", data.ACTIVITY_COLUMNS, "activities"),
)


def _load(
    conn: psycopg.Connection,
    pool: Any,
    jobs: int,
    table: str,
    columns: str,
    orgs: list[data.OrgLayout],
    total: int,
) -> tuple[int, float]:
    """One table, every organisation, one transaction: generated in the pool, streamed in order."""
    tasks = [(table, orgs, c, s, e) for c, s, e in data.chunks(total)]
    started = time.perf_counter()
    rows = 0
    with conn.transaction(), conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        inflight: collections.deque[Any] = collections.deque()
        for task in tasks:  # keep a bounded number of chunks in flight: memory stays flat
            inflight.append(pool.apply_async(_gen, (task,)))
            if len(inflight) >= 2 * jobs:
                block, n = inflight.popleft().get()
                copy.write(block)
                rows += n
        while inflight:
            block, n = inflight.popleft().get()
            copy.write(block)
            rows += n
    return rows, time.perf_counter() - started


def _has_rows(conn: psycopg.Connection, table: str) -> bool:
    row = conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()
    return bool(row and row[0])


def _vacuum(db: BenchDatabase, workers: int) -> float:
    started = time.perf_counter()

    def one(table: str) -> None:
        with psycopg.connect(db.conninfo(owner=True), autocommit=True) as conn:
            conn.execute("SET maintenance_work_mem = '1GB'")
            conn.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
            conn.execute(f"VACUUM (ANALYZE) {table}")

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(
            pool.map(
                one,
                (
                    "activities",
                    "contacts",
                    "custom_field_values",
                    "contact_identifiers",
                    "deals",
                    "companies",
                ),
            )
        )
    with psycopg.connect(db.conninfo(owner=True), autocommit=True) as conn:
        conn.execute("ANALYZE")
    return time.perf_counter() - started


def _reset(db: BenchDatabase) -> None:
    with psycopg.connect(f"host={db.socket_dir} dbname=postgres user=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db.name}"')


def seed(scale: float, *, reset: bool = False, jobs: int | None = None) -> dict[str, Any]:
    from crm.core import migrate

    jobs = jobs or os.cpu_count() or 2
    db = BenchDatabase(scale)
    if reset:
        note(f"dropping database {db.name}")
        _reset(db)
    counts = _counts(scale)
    wanted = {"scale": scale, "version": SEED_VERSION, "counts": counts, "orgs": len(ORG_SLUGS)}
    t0 = time.perf_counter()
    migrate.upgrade(db.settings, db.urls)
    with psycopg.connect(db.conninfo(owner=True)) as conn:
        _bookkeeping(conn)
        done = _state(conn, "complete")
        if done and done.get("params") == wanted:
            if _rollups_missing(conn):
                conn.commit()  # its read lock on the rollups would block their TRUNCATE
                note("filling the dashboards' rollups (missing from this earlier seed)")
                _fill_rollups(db)
            result = {"bench": "seed", "status": "already seeded", "database": db.name, **done}
            emit(result)
            return result
        if done:
            raise SystemExit(f"{db.name} was seeded with {done.get('params')}; run with --reset to reseed")
        # A bulk load should not pay for checkpoints every GB of WAL (this server is the bench's only).
        conn.commit()
        conn.autocommit = True
        conn.execute("ALTER SYSTEM SET max_wal_size = '16GB'")
        conn.execute("ALTER SYSTEM SET checkpoint_timeout = '30min'")
        conn.execute("SELECT pg_reload_conf()")
        conn.autocommit = False

    note(f"seeding {db.name} at scale {scale:g}: {counts} per organisation, {jobs} generator processes")
    tenants = asyncio.run(_tenants(db))
    phases: list[dict[str, Any]] = []
    with psycopg.connect(db.conninfo(owner=True)) as conn:
        layouts = _layouts(conn, tenants, counts)
        dropped = _drop_indexes(conn)
        for table in BULK_TABLES:
            conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        conn.commit()
        note(f"dropped {dropped} secondary indexes for the load")
        conn.autocommit = True  # each load below is its own explicit transaction
        conn.execute("SET session_replication_role = replica")  # no FK triggers: references built consistent
        conn.execute("SET synchronous_commit = off")
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(jobs) as pool:
            for table, columns, driver in PHASES:
                if _has_rows(conn, table):
                    note(f"  {table}: present, skipped")
                    continue
                rows, seconds = _load(conn, pool, jobs, table, columns, layouts, counts[driver])
                phase = {
                    "table": table,
                    "rows": rows,
                    "seconds": round(seconds, 1),
                    "rows_per_s": round(rows / seconds) if seconds else None,
                }
                phases.append(phase)
                note(f"  {table}: {rows} rows in {seconds:.1f} s ({phase['rows_per_s']} rows/s)")
    load_s = time.perf_counter() - t0
    note("filling the dashboards' rollups")
    rollups_s = _fill_rollups(db)
    _mark_values_of_deleted_records(db)
    note("rebuilding indexes")
    indexes = _rebuild_indexes(db, workers=2)
    note("vacuum + analyze")
    vacuum_s = _vacuum(db, workers=2)
    total_s = time.perf_counter() - t0
    with psycopg.connect(db.conninfo(owner=True)) as conn:
        sizes = {
            table: {"rows": int(n), "bytes": int(b)}
            for table, n, b in conn.execute(
                "SELECT relname, reltuples, pg_total_relation_size(oid) FROM pg_class"
                " WHERE relname = ANY(%s) AND relkind = 'r'",
                (list(BULK_TABLES),),
            )
        }
        loaded_rows = sum(p["rows"] for p in phases)
        layout = {
            "orgs": [
                {
                    **{k: v for k, v in asdict(org).items() if k != "users"},
                    "slug": tenants[org.index][0],
                    "users": org.users,
                    "admin_email": f"admin@{tenants[org.index][0]}.bench.example",
                }
                for org in layouts
            ]
        }
        record = {
            "params": wanted,
            "seconds_total": round(total_s, 1),
            "seconds_load": round(load_s, 1),
            "seconds_rollups": round(rollups_s, 1),
            "seconds_indexes": indexes["seconds"],
            "seconds_vacuum_analyze": round(vacuum_s, 1),
            "rows_loaded": loaded_rows,
            "rows_per_s_load": round(loaded_rows / load_s) if load_s else None,
            "rows_per_s_overall": round(loaded_rows / total_s) if total_s else None,
            "phases": phases,
            "slowest_indexes": indexes["slowest"],
            "tables": sizes,
        }
        _set_state(conn, "layout", layout)
        _set_state(conn, "complete", record)
        conn.commit()
    result = {"bench": "seed", "status": "seeded", "database": db.name, "machine": machine(), **record}
    emit(result)
    return result


def _migration(name: str) -> Any:
    """A migration module by file name (its backfill SQL is the one definition of a rollup)."""
    path = BACKEND / "migrations" / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bench_migration_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fill_rollups(db: BenchDatabase) -> float:
    """The dashboards' rollup tables (migrations 0023, 0028) computed from the loaded rows.

    Statement triggers keep them as rows are written, but the load runs with
    ``session_replication_role = replica``, under which no trigger fires: without this the
    rollups stay empty and every dashboard reads nothing (fast, and wrong).
    """
    started = time.perf_counter()
    dashboards, top_accounts = _migration("0023_dashboard_rollups"), _migration("0028_top_accounts_bound")
    statements = [(r.table, dashboards.backfill_sql(r)) for r in dashboards.ROLLUPS]
    statements.append((top_accounts.TABLE, top_accounts.backfill_sql()))
    with psycopg.connect(db.conninfo(owner=True)) as conn:
        for table, backfill in statements:
            conn.execute(f"TRUNCATE {table}")
            conn.execute(backfill)
            conn.execute(f"ANALYZE {table}")
    return time.perf_counter() - started


def _mark_values_of_deleted_records(db: BenchDatabase) -> None:
    """Custom values of the soft-deleted records marked as such (migration 0029's backfill: its
    triggers keep the mark as records are deleted, and like the rollups' they do not fire here)."""
    with psycopg.connect(db.conninfo(owner=True)) as conn:
        conn.execute(_migration("0029_custom_value_liveness").backfill_sql())


def _rollups_missing(conn: psycopg.Connection[Any]) -> bool:
    """A seed made before the seed filled rollups: deals but no won totals."""
    row = conn.execute(
        "SELECT EXISTS (SELECT FROM deals) AND NOT EXISTS (SELECT FROM deal_company_won_totals)"
    ).fetchone()
    return bool(row and row[0])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full data set (default 1)")
    parser.add_argument("--reset", action="store_true", help="drop the bench database of this scale first")
    parser.add_argument("--jobs", type=int, default=None, help="generator processes (default: CPU count)")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 1:
        parser.error("--scale must be in (0, 1]")
    open_results("seed")
    seed(args.scale, reset=args.reset, jobs=args.jobs)


if __name__ == "__main__":
    sys.exit(main())
