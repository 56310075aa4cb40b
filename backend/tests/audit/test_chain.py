"""The hash chain: sealing never skips an event, even under concurrent writers, and verifying
as the owner names every changed, removed or inserted event and every altered seal.

These tests commit (sealing happens in other transactions, tampering as the owner), each in an
organisation of its own that is removed afterwards.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from crm.audit import chain, cli, repository, tasks
from crm.audit.chain import ChainReport
from crm.audit.service import record_event
from crm.core import jobs
from crm.core.config import Settings
from crm.core.db import DatabaseUrls, unit_of_work
from crm.core.runtime import Runtime
from crm.core.worker import libpq_conninfo
from tests.audit.conftest import principal, seal_until
from tests.fixtures.worker import drain


def _slug(org: uuid.UUID) -> str:
    return f"audit-{org.hex[:12]}"


async def _commit_events(runtime: Runtime, org: uuid.UUID, n: int, tag: str = "") -> None:
    async with unit_of_work(runtime.sessions, org) as session:
        for i in range(n):
            await record_event(
                session,
                action="contact.update",
                actor=principal(org),
                entity_type="contact",
                entity_id=f"C-{tag}{i}",
                changes={"status": ("lead", f"customer-{tag}{i}"), "email": ("a@x.example", "b@x.example")},
                pii_fields={"email"},
                meta={"source": "test"},
            )


async def _verify(urls: DatabaseUrls, org: uuid.UUID) -> ChainReport:
    [(slug, report)] = await cli.verify(urls, _slug(org))
    assert slug == _slug(org)
    return report


async def _as_owner(owner_engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with owner_engine.begin() as conn:
        result = await conn.execute(text(sql), params)
        return list(result.all()) if result.returns_rows else []


async def _events(owner_engine: AsyncEngine, org: uuid.UUID) -> list[Any]:
    return await _as_owner(
        owner_engine,
        "SELECT seq, txid FROM audit_events WHERE organization_id = :org ORDER BY txid, seq",
        org=org,
    )


def _problems(report: ChainReport) -> list[tuple[str, int | None]]:
    return [(problem.kind, problem.seq) for problem in report.problems]


async def test_sealing_and_verifying_a_clean_chain(
    live_runtime: Runtime, committed_org: uuid.UUID, database_urls: DatabaseUrls
) -> None:
    org = committed_org
    await _commit_events(live_runtime, org, 3, "a")
    await _commit_events(live_runtime, org, 2, "b")
    before = await _verify(database_urls, org)
    assert before.ok and (before.seals, before.pending_events, before.head) == (0, 5, None)

    sealed = await seal_until(
        live_runtime.sessions,
        org,
        5,
        seal=lambda: chain.seal_organization(live_runtime.sessions, org, batch=2),
    )
    assert sealed == 5
    report = await _verify(database_urls, org)
    assert report.ok, report.problems
    assert (report.seals, report.sealed_events, report.pending_events) == (3, 5, 0)
    assert report.head is not None and len(report.head) == 64
    assert await chain.seal_organization(live_runtime.sessions, org) == 0  # nothing new

    await _commit_events(live_runtime, org, 1, "c")
    assert await seal_until(live_runtime.sessions, org, 1) == 1
    extended = await _verify(database_urls, org)
    assert extended.ok and (extended.seals, extended.sealed_events) == (4, 6)
    assert extended.head != report.head


async def test_a_changed_event_is_named(
    live_runtime: Runtime, committed_org: uuid.UUID, database_urls: DatabaseUrls, owner_engine: AsyncEngine
) -> None:
    org = committed_org
    await _commit_events(live_runtime, org, 4)
    await seal_until(live_runtime.sessions, org, 4)
    target = (await _events(owner_engine, org))[2].seq

    await _as_owner(
        owner_engine,
        "UPDATE audit_events SET changes = jsonb_set(changes, '{status,after}', '\"lead\"') WHERE seq = :seq",
        seq=target,
    )
    assert _problems(await _verify(database_urls, org)) == [("changed", target)]


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_events SET occurred_at = occurred_at - interval '1 day' WHERE seq = :seq",
        "UPDATE audit_events SET actor_id = gen_random_uuid() WHERE seq = :seq",
        "UPDATE audit_events SET ip = '10.0.0.1' WHERE seq = :seq",
        "UPDATE audit_events SET redacted_fields = '{}' WHERE seq = :seq",
        "UPDATE audit_events SET meta = NULL WHERE seq = :seq",
    ],
)
async def test_every_column_is_sealed(
    live_runtime: Runtime,
    committed_org: uuid.UUID,
    database_urls: DatabaseUrls,
    owner_engine: AsyncEngine,
    tamper: str,
) -> None:
    org = committed_org
    await _commit_events(live_runtime, org, 2)
    await seal_until(live_runtime.sessions, org, 2)
    target = (await _events(owner_engine, org))[0].seq
    await _as_owner(owner_engine, tamper, seq=target)
    assert _problems(await _verify(database_urls, org)) == [("changed", target)]


async def test_a_removed_event_is_named(
    live_runtime: Runtime, committed_org: uuid.UUID, database_urls: DatabaseUrls, owner_engine: AsyncEngine
) -> None:
    org = committed_org
    await _commit_events(live_runtime, org, 4)
    await seal_until(live_runtime.sessions, org, 4)
    target = (await _events(owner_engine, org))[1].seq

    await _as_owner(owner_engine, "DELETE FROM audit_events WHERE seq = :seq", seq=target)
    assert _problems(await _verify(database_urls, org)) == [("removed", target)]


async def test_an_event_inserted_into_the_sealed_past_is_named(
    live_runtime: Runtime, committed_org: uuid.UUID, database_urls: DatabaseUrls, owner_engine: AsyncEngine
) -> None:
    org = committed_org
    await _commit_events(live_runtime, org, 2, "first")
    await _commit_events(live_runtime, org, 2, "second")
    await seal_until(live_runtime.sessions, org, 4)
    first_txid = (await _events(owner_engine, org))[0].txid

    # Written by hand, claiming the first transaction: it sorts between sealed events.
    [(forged,)] = await _as_owner(
        owner_engine,
        "INSERT INTO audit_events (seq, organization_id, txid, occurred_at, action, entity_type, entity_id)"
        " OVERRIDING SYSTEM VALUE"
        " SELECT max(seq) + 1000, :org, :txid, now() - interval '1 day', 'contact.delete', 'contact', 'C-9'"
        " FROM audit_events RETURNING seq",
        org=org,
        txid=first_txid,
    )
    assert _problems(await _verify(database_urls, org)) == [("inserted", forged)]


async def test_an_event_claiming_a_future_transaction_is_named(
    live_runtime: Runtime, committed_org: uuid.UUID, database_urls: DatabaseUrls, owner_engine: AsyncEngine
) -> None:
    """One placed beyond the head would otherwise wait, never sealed, looking merely pending."""
    org = committed_org
    await _commit_events(live_runtime, org, 1)
    await seal_until(live_runtime.sessions, org, 1)
    [(forged,)] = await _as_owner(
        owner_engine,
        "INSERT INTO audit_events (organization_id, txid, action) VALUES (:org, 4611686018427387904,"
        " 'contact.delete') RETURNING seq",
        org=org,
    )
    report = await _verify(database_urls, org)
    assert _problems(report) == [("inserted", forged)]
    assert report.pending_events == 1


async def test_altered_or_removed_seals_are_named(
    live_runtime: Runtime, committed_org: uuid.UUID, database_urls: DatabaseUrls, owner_engine: AsyncEngine
) -> None:
    org = committed_org
    await _commit_events(live_runtime, org, 6)
    await seal_until(
        live_runtime.sessions,
        org,
        6,
        seal=lambda: chain.seal_organization(live_runtime.sessions, org, batch=2),
    )
    seals = await _as_owner(
        owner_engine,
        "SELECT id, last_seq, seqs FROM audit_seals WHERE organization_id = :org ORDER BY last_txid, last_seq",
        org=org,
    )
    assert len(seals) == 3

    # A seal's digests rewritten to match edited events: its own hash gives it away.
    await _as_owner(
        owner_engine, "UPDATE audit_seals SET digests = sha256(digests) || sha256(hash) WHERE id = :id",
        id=seals[0].id,
    )  # fmt: skip
    assert _problems(await _verify(database_urls, org)) == [
        ("seal_altered", seals[0].last_seq),
        ("changed", seals[0].seqs[0]),
        ("changed", seals[0].seqs[1]),
    ]


async def test_a_removed_seal_breaks_the_chain(
    live_runtime: Runtime, committed_org: uuid.UUID, database_urls: DatabaseUrls, owner_engine: AsyncEngine
) -> None:
    org = committed_org
    await _commit_events(live_runtime, org, 6)
    await seal_until(
        live_runtime.sessions,
        org,
        6,
        seal=lambda: chain.seal_organization(live_runtime.sessions, org, batch=2),
    )
    middle = (
        await _as_owner(
            owner_engine,
            "SELECT id, seqs FROM audit_seals WHERE organization_id = :org ORDER BY last_txid, last_seq",
            org=org,
        )
    )[1]
    # Removing two events and the seal that vouched for them.
    await _as_owner(owner_engine, "DELETE FROM audit_seals WHERE id = :id", id=middle.id)
    await _as_owner(owner_engine, "DELETE FROM audit_events WHERE seq = ANY(:seqs)", seqs=middle.seqs)
    kinds = [kind for kind, _ in _problems(await _verify(database_urls, org))]
    assert kinds == ["chain_broken"]


async def test_an_event_committed_late_is_never_skipped(
    live_runtime: Runtime, committed_org: uuid.UUID, database_urls: DatabaseUrls
) -> None:
    """A transaction that took its seq first but commits last is not passed over by the seal."""
    org = committed_org
    async with unit_of_work(live_runtime.sessions, org) as slow:
        await record_event(slow, action="contact.update", actor=principal(org), entity_id="slow")
        await _commit_events(live_runtime, org, 2, "fast")  # larger seqs, committed first
        # The fast events wait behind the open transaction: sealing them now would leave
        # the slow one (smaller txid) behind the seal.
        assert await chain.seal_organization(live_runtime.sessions, org) == 0
    assert await seal_until(live_runtime.sessions, org, 3) == 3
    report = await _verify(database_urls, org)
    assert report.ok and report.sealed_events == 3


async def test_concurrent_writers_and_sealers_lose_nothing(
    live_runtime: Runtime, committed_org: uuid.UUID, database_urls: DatabaseUrls
) -> None:
    org = committed_org
    writers, per_writer = 6, 15
    done = asyncio.Event()

    async def write(n: int) -> None:
        for i in range(per_writer):
            async with unit_of_work(live_runtime.sessions, org) as session:
                await record_event(
                    session, action="contact.update", actor=principal(org), entity_id=f"{n}-{i}"
                )
                await asyncio.sleep(0.001 * (n % 3))  # hold some transactions open a little

    async def seal_repeatedly() -> int:
        sealed = 0
        while not done.is_set():
            sealed += await chain.seal_organization(live_runtime.sessions, org, batch=7)
            await asyncio.sleep(0)
        return sealed

    sealer = asyncio.create_task(seal_repeatedly())
    second_sealer = asyncio.create_task(seal_repeatedly())  # the advisory lock keeps them apart
    await asyncio.gather(*(write(n) for n in range(writers)))
    done.set()
    sealed = await sealer + await second_sealer
    sealed += await seal_until(live_runtime.sessions, org, writers * per_writer - sealed)
    assert sealed == writers * per_writer
    report = await _verify(database_urls, org)
    assert report.ok, report.problems
    assert (report.sealed_events, report.pending_events) == (writers * per_writer, 0)


async def test_the_job_seals_on_demand_and_every_minute(
    live_runtime: Runtime, committed_org: uuid.UUID, database_urls: DatabaseUrls
) -> None:
    org = committed_org
    await _commit_events(live_runtime, org, 2)
    async with unit_of_work(live_runtime.sessions, org) as session:
        await tasks.request_seal(session, org)
    await drain(live_runtime, [tasks.QUEUE])
    report = await _verify(database_urls, org)
    if report.pending_events:  # another write transaction on the server held the safe point back
        await seal_until(
            live_runtime.sessions, org, report.pending_events, seal=lambda: _seal_all(live_runtime)
        )
        report = await _verify(database_urls, org)
    assert report.ok and (report.sealed_events, report.pending_events) == (2, 0)

    periodic = {
        task.task.name: task.cron for task in jobs.app.periodic_registry.periodic_tasks.values()
    }  # fmt: skip
    assert periodic["audit.seal_all"] == "* * * * *"


async def _seal_all(runtime: Runtime) -> int:
    return sum((await chain.seal_all(runtime.sessions)).values())


async def test_seal_all_finds_every_organisation_with_new_events(
    live_runtime: Runtime, committed_org: uuid.UUID, database_urls: DatabaseUrls
) -> None:
    await _commit_events(live_runtime, committed_org, 3)
    async with unit_of_work(live_runtime.sessions) as session:  # as the job: no tenant yet
        assert committed_org in await repository.organizations_to_seal(session)
    await seal_until(live_runtime.sessions, committed_org, 3, seal=lambda: _seal_all(live_runtime))
    assert (await _verify(database_urls, committed_org)).sealed_events == 3
    async with unit_of_work(live_runtime.sessions) as session:
        assert committed_org not in await repository.organizations_to_seal(session)


async def test_chains_are_per_organisation(
    live_runtime: Runtime, committed_org: uuid.UUID, database_urls: DatabaseUrls, owner_engine: AsyncEngine
) -> None:
    """Another tenant's seals cannot stand in for ours: each chain starts from its own genesis."""
    org = committed_org
    await _commit_events(live_runtime, org, 2)
    await seal_until(live_runtime.sessions, org, 2)
    [seal] = await _as_owner(
        owner_engine, "SELECT prev_hash FROM audit_seals WHERE organization_id = :o", o=org
    )
    assert bytes(seal.prev_hash) == chain.genesis(org) != chain.genesis(uuid.uuid4())
    # The app role sees no other tenant's seals.
    async with unit_of_work(live_runtime.sessions, uuid.uuid4()) as session:
        assert (await session.execute(text("SELECT count(*) FROM audit_seals"))).scalar_one() == 0


# --- the command line ----------------------------------------------------------------------


@pytest.fixture
async def sealed_org(live_runtime: Runtime, committed_org: uuid.UUID) -> uuid.UUID:
    await _commit_events(live_runtime, committed_org, 3)
    await seal_until(live_runtime.sessions, committed_org, 3)
    return committed_org


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, settings: Settings, database_urls: DatabaseUrls) -> Any:
    monkeypatch.setattr(cli, "_settings", lambda: settings)
    monkeypatch.setattr(cli, "resolve_urls", lambda _settings: database_urls)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli.audit_cli, list(args))


def test_cli_verify_reports_and_exits_nonzero_on_tampering(
    sealed_org: uuid.UUID, database_urls: DatabaseUrls, run_cli: Any
) -> None:
    slug = _slug(sealed_org)
    clean = run_cli("verify", "--org", slug)
    assert clean.exit_code == 0, clean.output
    assert f"{slug}: ok; 3 events in 1 seals, 0 awaiting a seal" in clean.output

    with psycopg.connect(libpq_conninfo(database_urls.owner), autocommit=True) as conn:
        conn.execute(
            "DELETE FROM audit_events WHERE seq = (SELECT min(seq) FROM audit_events WHERE organization_id = %s)",
            (sealed_org,),
        )
    tampered = run_cli("verify", "--org", slug)
    assert tampered.exit_code == 1
    assert "TAMPERED (1 problem(s))" in tampered.output and "removed: sealed event" in tampered.output

    as_json = json.loads(run_cli("verify", "--org", slug, "--json").output)
    assert as_json["slug"] == slug and as_json["ok"] is False
    assert [problem["kind"] for problem in as_json["problems"]] == ["removed"]


def test_cli_seal_and_unknown_organisation(committed_org: uuid.UUID, run_cli: Any) -> None:
    sealed = run_cli("seal", "--org", _slug(committed_org))
    assert sealed.exit_code == 0 and "sealed 0 event(s) in 1 organisation(s)" in sealed.output
    for command in ("seal", "verify"):
        unknown = run_cli(command, "--org", "no-such-clinic")
        assert unknown.exit_code == 2
        assert "no organisation with slug 'no-such-clinic'" in unknown.output
