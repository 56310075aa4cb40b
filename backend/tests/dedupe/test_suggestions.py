"""Duplicate suggestions through the API: the job's findings, keyset pages, dismissal, runs, RBAC, tenants."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from crm.core.config import Settings
from crm.core.db import set_tenant, unit_of_work
from crm.core.runtime import Runtime
from crm.core.security.crypto import keystore_for
from crm.dedupe import matching, service
from crm.dedupe.tasks import QUEUE
from crm.models import Contact, DuplicateSuggestion, JobRun, Organization, Role
from crm.organization.demo import add_demo_data
from crm.organization.demo_data import build_plan
from tests.dedupe.conftest import new_company, new_contact, run_search
from tests.fixtures.people import Tenant, bearer, token_for
from tests.fixtures.worker import drain


async def _population(
    client: httpx.AsyncClient, admin: dict[str, str], db: AsyncSession, tenant: Tenant
) -> dict[str, str]:
    telvia = await new_company(db, tenant.id, "Telvia Communications", domain="telvia.example")
    await new_company(db, tenant.id, "TELVIA Communications S.A.")
    await new_company(db, tenant.id, "Atlas Dental Clinic", domain="atlas-dental.example")
    ids = {}
    ids["jose"] = (await new_contact(client, admin, first_name="José", last_name="Martínez", company_id=str(telvia.id),
                                     date_of_birth="1980-01-02", emails=["jose@telvia.example"]))["id"]  # fmt: skip
    ids["pepe"] = (await new_contact(client, admin, first_name="Pepe", last_name="Martinez", company_id=str(telvia.id),
                                     date_of_birth="1980-01-02", emails=["pepe.m@mail.example"]))["id"]  # fmt: skip
    ids["lucia"] = (
        await new_contact(
            client, admin, first_name="Lucía", last_name="González Ruiz", date_of_birth="1990-06-15"
        )
    )["id"]
    ids["gonzalez"] = (
        await new_contact(client, admin, first_name="González", last_name="Lucía", date_of_birth="1990-06-15")
    )["id"]
    ids["maria1"] = (
        await new_contact(client, admin, first_name="María", last_name="García", date_of_birth="1970-03-04")
    )["id"]
    ids["maria2"] = (
        await new_contact(client, admin, first_name="María", last_name="García", date_of_birth="1988-11-20")
    )["id"]
    ids["ada"] = (
        await new_contact(client, admin, first_name="Ada", last_name="Lovelace", phones=["+44 20 7946 0018"])
    )["id"]
    ids["countess"] = (
        await new_contact(client, admin, first_name="Augusta", last_name="King", phones=["+442079460018"])
    )["id"]
    return ids


def _pair(ids: dict[str, str], a: str, b: str) -> frozenset[str]:
    return frozenset((ids[a], ids[b]))


async def test_the_search_finds_fuzzy_and_exact_duplicates_and_respects_dismissals(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    db: AsyncSession,
    tenant: Tenant,
    runtime: Runtime,
    settings: Settings,
) -> None:
    ids = await _population(client, admin, db, tenant)
    result = await run_search(db, runtime, settings, tenant.id)
    assert result["contact"]["found"] == 3 and result["company"]["found"] == 1

    listed = (await client.get("/api/v1/duplicates", params={"object_type": "contact"}, headers=admin)).json()
    pairs = {frozenset((s["record_a"]["id"], s["record_b"]["id"])): s for s in listed["items"]}
    assert set(pairs) == {
        _pair(ids, "jose", "pepe"),
        _pair(ids, "lucia", "gonzalez"),
        _pair(ids, "ada", "countess"),
    }
    assert "maria1" not in {n for n, i in ids.items() if any(i in p for p in pairs)}  # different birth dates
    exact = pairs[_pair(ids, "ada", "countess")]
    assert exact["score"] == 1.0 and exact["reason"] == "same phone"
    nickname = pairs[_pair(ids, "jose", "pepe")]
    assert "nickname" in nickname["reason"] and "same date of birth" in nickname["reason"]
    assert {nickname["record_a"]["name"], nickname["record_b"]["name"]} == {"José Martínez", "Pepe Martinez"}
    assert "Telvia Communications" in (nickname["record_a"]["detail"] or "")
    scores = [s["score"] for s in listed["items"]]
    assert scores == sorted(scores, reverse=True)

    companies = (
        await client.get("/api/v1/duplicates", params={"object_type": "company"}, headers=admin)
    ).json()
    assert [{s["record_a"]["name"], s["record_b"]["name"]} for s in companies["items"]] == [
        {"Telvia Communications", "TELVIA Communications S.A."}
    ]

    # Keyset pages: one at a time, no repeats, no gaps.
    seen, cursor = [], None
    while True:
        params = {"object_type": "contact", "limit": "1", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/duplicates", params=params, headers=admin)).json()
        seen += [s["id"] for s in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [s["id"] for s in listed["items"]]
    bad = await client.get("/api/v1/duplicates", params={"cursor": "nonsense"}, headers=admin)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_cursor"

    # Dismissed stays dismissed when the search runs again; a stale suggestion goes.
    lucia = pairs[_pair(ids, "lucia", "gonzalez")]
    dismissed = await client.post(f"/api/v1/duplicates/{lucia['id']}/dismiss", headers=admin)
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    again = await client.post(f"/api/v1/duplicates/{lucia['id']}/dismiss", headers=admin)
    assert again.status_code == 200
    renamed = await client.patch(
        f"/api/v1/contacts/{ids['pepe']}", json={"first_name": "Zacarías"}, headers=admin
    )
    assert renamed.status_code == 200
    second = await run_search(db, runtime, settings, tenant.id, ["contact"])
    assert second["contact"] == {"found": 2, "new": 0, "removed": 1}
    open_now = (await client.get("/api/v1/duplicates", headers=admin)).json()["items"]
    assert [frozenset((s["record_a"]["id"], s["record_b"]["id"])) for s in open_now] == [
        _pair(ids, "ada", "countess")
    ]
    hidden = (await client.get("/api/v1/duplicates", params={"status": "dismissed"}, headers=admin)).json()[
        "items"
    ]
    assert [s["id"] for s in hidden] == [lucia["id"]]
    audit = await db.execute(text("SELECT count(*) FROM audit_events WHERE action = 'duplicate.dismiss'"))
    assert audit.scalar_one() == 1


async def test_a_deleted_record_leaves_the_list(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    db: AsyncSession,
    tenant: Tenant,
    runtime: Runtime,
    settings: Settings,
) -> None:
    ids = await _population(client, admin, db, tenant)
    await run_search(db, runtime, settings, tenant.id, ["contact"])
    assert (await client.delete(f"/api/v1/contacts/{ids['pepe']}", headers=admin)).status_code == 204
    listed = (await client.get("/api/v1/duplicates", headers=admin)).json()["items"]
    assert all(ids["pepe"] not in (s["record_a"]["id"], s["record_b"]["id"]) for s in listed)


async def test_run_queues_one_job_at_a_time(
    client: httpx.AsyncClient, admin: dict[str, str], db: AsyncSession, tenant: Tenant
) -> None:
    queued = await client.post("/api/v1/duplicates/run", json={"object_types": ["contact"]}, headers=admin)
    assert queued.status_code == 202, queued.text
    assert queued.json()["object_types"] == ["contact"]
    await set_tenant(db, tenant.id)
    run = (
        await db.execute(select(JobRun).where(JobRun.id == uuid.UUID(queued.json()["job_run_id"])))
    ).scalar_one()
    assert run.task_name == service.TASK_NAME and run.status == "queued" and run.procrastinate_job_id
    twice = await client.post("/api/v1/duplicates/run", headers=admin)
    assert twice.status_code == 409 and twice.json()["error"] == "already_queued"
    assert (
        await client.post("/api/v1/duplicates/run", json={"object_types": []}, headers=admin)
    ).status_code == 422
    assert (
        await client.post("/api/v1/duplicates/run", json={"object_types": ["deal"]}, headers=admin)
    ).status_code == 422


async def test_only_admins_by_default(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for role in (Role.sales, Role.marketing, Role.support):
        headers = bearer(await token_for(client, tenant.people[role]))
        probes = [
            ("GET", "/api/v1/duplicates", None),
            ("POST", "/api/v1/duplicates/run", {}),
            ("POST", f"/api/v1/duplicates/{uuid.uuid4()}/dismiss", None),
            (
                "POST",
                "/api/v1/contacts/merge",
                {"primary_id": str(uuid.uuid4()), "duplicate_id": str(uuid.uuid4())},
            ),
            (
                "POST",
                "/api/v1/companies/merge",
                {"primary_id": str(uuid.uuid4()), "duplicate_id": str(uuid.uuid4())},
            ),
        ]
        for method, path, body in probes:
            response = await client.request(method, path, json=body, headers=headers)
            assert response.status_code == 403, (role, path, response.status_code)
            assert response.json()["error"] == "forbidden"


async def test_another_tenants_suggestions_are_invisible(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    db: AsyncSession,
    tenant: Tenant,
    other_tenant: Tenant,
    runtime: Runtime,
    settings: Settings,
) -> None:
    theirs = bearer(await token_for(client, other_tenant.people[Role.admin]))
    await _population(client, theirs, db, other_tenant)
    await run_search(db, runtime, settings, other_tenant.id)
    their_items = (await client.get("/api/v1/duplicates", headers=theirs)).json()["items"]
    assert len(their_items) == 3
    assert (await client.get("/api/v1/duplicates", headers=admin)).json()["items"] == []
    response = await client.post(f"/api/v1/duplicates/{their_items[0]['id']}/dismiss", headers=admin)
    assert response.status_code == 404
    # Their suggestions are untouched.
    assert len((await client.get("/api/v1/duplicates", headers=theirs)).json()["items"]) == 3


async def test_the_demo_data_has_the_planted_duplicates_found(
    db: AsyncSession, tenant: Tenant, runtime: Runtime, settings: Settings
) -> None:
    today = dt.date(2026, 11, 27)
    await set_tenant(db, tenant.id)
    assert await add_demo_data(db, keystore_for(settings), tenant.id, today=today)
    await run_search(db, runtime, settings, tenant.id)
    owners = {p.role.value: [p.user_id] for p in sorted(tenant.people.values(), key=lambda p: p.role.value)}
    plan = build_plan(tenant.id, owners, today)
    suggestions = {
        frozenset((s.record_a, s.record_b))
        for s in (
            await db.execute(select(DuplicateSuggestion).where(DuplicateSuggestion.object_type == "contact"))
        ).scalars()
    }
    planted = {frozenset(pair) for pair in plan.planted_duplicates}
    assert planted <= suggestions, len(planted & suggestions)
    assert len(suggestions - planted) <= 2  # the demo has no other namesakes
    companies = (
        (await db.execute(select(DuplicateSuggestion).where(DuplicateSuggestion.object_type == "company")))
        .scalars()
        .all()
    )
    assert len(companies) >= 2


async def test_a_worker_runs_the_queued_search(
    settings: Settings, database_urls: object, owner_engine: AsyncEngine
) -> None:
    from crm.core.runtime import build_runtime, install_runtime

    live = build_runtime(settings, database_urls)  # type: ignore[arg-type]
    install_runtime(live)
    org = uuid.uuid4()
    try:
        async with unit_of_work(live.sessions, org) as session:
            session.add(Organization(id=org, name="Dedupe Clinic", slug=f"dedupe-{org.hex[:12]}"))
        async with unit_of_work(live.sessions, org) as session:
            for first in ("Robert", "Bob"):
                session.add(
                    Contact(
                        id=uuid.uuid4(),
                        first_name=first,
                        last_name="Thompson",
                        company_name="Kestrel",
                        tags=[],
                    )
                )
            await session.flush()
            principal = _principal(org)
            run = await service.request_run(session, principal, ["contact"])
        await drain(live, [QUEUE])
        async with unit_of_work(live.sessions, org) as session:
            stored = (await session.execute(select(JobRun).where(JobRun.id == run.id))).scalar_one()
            assert stored.status == "succeeded", stored.message
            found = (await session.execute(select(DuplicateSuggestion))).scalars().all()
            assert len(found) == 1 and "nickname" in found[0].reason
            assert found[0].score >= matching.CONTACT_THRESHOLD
    finally:
        install_runtime(None)
        await live.close()
        async with owner_engine.begin() as conn:
            for table in ("audit_seals", "audit_events"):
                await conn.execute(text(f"DELETE FROM {table} WHERE organization_id = :org"), {"org": org})
            await conn.execute(
                text("DELETE FROM procrastinate_jobs WHERE args->>'organization_id' = :org"),
                {"org": str(org)},
            )
            await conn.execute(text("DELETE FROM organizations WHERE id = :org"), {"org": org})


def _principal(org: uuid.UUID):  # type: ignore[no-untyped-def]
    from crm.auth.permissions import DEFAULTS
    from crm.auth.principal import ActorType, Principal

    return Principal(ActorType.service, org, None, Role.admin, DEFAULTS[Role.admin])


async def test_the_list_costs_the_same_queries_whatever_the_page_size(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    db: AsyncSession,
    tenant: Tenant,
    connection: AsyncConnection,
) -> None:
    await set_tenant(db, tenant.id)
    for n in range(60):
        a = Contact(id=uuid.uuid4(), first_name=f"Person{n}", last_name="Doe", tags=[])
        b = Contact(id=uuid.uuid4(), first_name=f"Person{n}", last_name="Doe", tags=[])
        db.add_all([a, b])
        await db.flush()
        db.add(
            DuplicateSuggestion(
                object_type="contact",
                record_a=min(a.id, b.id),
                record_b=max(a.id, b.id),
                score=0.96,
                reason="names",
            )
        )
    await db.flush()
    assert (await client.get("/api/v1/duplicates", headers=admin)).status_code == 200  # warm the caches
    counts = []
    for limit in ("1", "50"):
        statements: list[str] = []

        def count(
            conn: object, cursor: object, statement: str, *args: object, sink: list[str] = statements
        ) -> None:
            sink.append(statement)

        event.listen(connection.sync_connection, "before_cursor_execute", count)  # type: ignore[arg-type]
        try:
            page = await client.get("/api/v1/duplicates", params={"limit": limit}, headers=admin)
        finally:
            event.remove(connection.sync_connection, "before_cursor_execute", count)  # type: ignore[arg-type]
        assert page.status_code == 200 and len(page.json()["items"]) == int(limit)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
