"""The board: columns with counts and totals in two statements, paged columns, and moves that
rank one card between its neighbours (re-spreading only a neighbourhood when there is no room)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from crm.core.db import set_tenant
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for


@pytest.fixture
async def admin(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.admin]))


@pytest.fixture
async def journey(client: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, Any]:
    (pipeline,) = (await client.get("/api/v1/pipelines", headers=admin)).json()["items"]
    return pipeline  # type: ignore[no-any-return]


def stage(pipeline: dict[str, Any], name: str) -> str:
    return next(s["id"] for s in pipeline["stages"] if s["name"] == name)  # type: ignore[no-any-return]


async def deal(
    client: httpx.AsyncClient, headers: dict[str, str], name: str, **fields: Any
) -> dict[str, Any]:
    response = await client.post("/api/v1/deals", json={"name": name} | fields, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def column(
    client: httpx.AsyncClient, headers: dict[str, str], pipeline_id: str, stage_id: str
) -> list[str]:
    board = (
        await client.get(f"/api/v1/pipelines/{pipeline_id}/board", params={"per_stage": 100}, headers=headers)
    ).json()
    return [c["name"] for col in board["columns"] if col["stage"]["id"] == stage_id for c in col["cards"]]


async def test_board_columns_counts_totals_and_pages(
    client: httpx.AsyncClient, admin: dict[str, str], journey: dict[str, Any], tenant: Tenant
) -> None:
    enquiry, plan = stage(journey, "Enquiry"), stage(journey, "Treatment plan")
    for index in range(5):
        await deal(client, admin, f"E{index}", amount="100.50", expected_close_date=f"2027-01-1{index}")
    await deal(client, admin, "P-eur", amount="1000", stage_id=plan, probability=50)
    await deal(client, admin, "P-gbp", amount="200", currency="GBP", stage_id=plan)
    sales = tenant.people[Role.sales]
    sales_token = bearer(await token_for(client, sales))
    await deal(client, sales_token, "S0", amount="7")

    response = await client.get(
        f"/api/v1/pipelines/{journey['id']}/board", params={"per_stage": 2}, headers=admin
    )
    assert response.status_code == 200, response.text
    board = response.json()
    assert [c["stage"]["name"] for c in board["columns"]] == [s["name"] for s in journey["stages"]]
    first = board["columns"][0]
    assert first["count"] == 6 and first["total_amount"] == "509.50"
    assert first["totals"] == [
        {"currency": "EUR", "count": 6, "amount": "509.50", "weighted_amount": "50.95"}
    ]
    assert [c["name"] for c in first["cards"]] == ["E0", "E1"] and first["next_cursor"]
    plan_column = board["columns"][2]
    assert plan_column["count"] == 2 and plan_column["total_amount"] is None  # two currencies
    assert {t["currency"]: t["weighted_amount"] for t in plan_column["totals"]} == {
        "EUR": "500.00",
        "GBP": "100.00",
    }
    assert board["columns"][4]["count"] == 0 and board["columns"][4]["total_amount"] == "0.00"

    names, cursor = [c["name"] for c in first["cards"]], first["next_cursor"]
    while cursor:
        page = (
            await client.get(
                f"/api/v1/pipelines/{journey['id']}/stages/{enquiry}/deals",
                params={"cursor": cursor, "limit": 2},
                headers=admin,
            )
        ).json()
        names += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
    assert names == ["E0", "E1", "E2", "E3", "E4", "S0"]

    filtered = (
        await client.get(
            f"/api/v1/pipelines/{journey['id']}/board",
            params={"owner_id": str(sales.user_id)},
            headers=admin,
        )
    ).json()
    assert [c["name"] for c in filtered["columns"][0]["cards"]] == ["S0"] and filtered["columns"][0][
        "count"
    ] == 1
    closing = (
        await client.get(
            f"/api/v1/pipelines/{journey['id']}/board", params={"close_before": "2027-01-12"}, headers=admin
        )
    ).json()
    assert [c["name"] for c in closing["columns"][0]["cards"]] == ["E0", "E1"]
    own = (await client.get(f"/api/v1/pipelines/{journey['id']}/board", headers=sales_token)).json()
    assert [c["name"] for c in own["columns"][0]["cards"]] == ["S0"] and own["columns"][0][
        "total_amount"
    ] == "7.00"
    bad = await client.get(
        f"/api/v1/pipelines/{journey['id']}/stages/{enquiry}/deals", params={"cursor": "junk"}, headers=admin
    )
    assert bad.status_code == 400


async def test_board_runs_two_statements_whatever_its_size(
    client: httpx.AsyncClient, admin: dict[str, str], journey: dict[str, Any], connection: AsyncConnection
) -> None:
    await client.get(f"/api/v1/pipelines/{journey['id']}/board", headers=admin)  # warm the pipeline cache
    counts = []
    for batch in (1, 8):
        for index in range(batch):
            for stage_info in journey["stages"][:4]:
                await deal(client, admin, f"{batch}-{index}", stage_id=stage_info["id"], amount="1")
        statements: list[str] = []

        def count(
            conn: object, cursor: object, statement: str, *args: object, sink: list[str] = statements
        ) -> None:
            sink.append(statement)

        event.listen(connection.sync_connection, "before_cursor_execute", count)  # type: ignore[arg-type]
        try:
            board = await client.get(f"/api/v1/pipelines/{journey['id']}/board", headers=admin)
        finally:
            event.remove(connection.sync_connection, "before_cursor_execute", count)  # type: ignore[arg-type]
        assert board.status_code == 200
        # The cards from the deals, the totals from the stage rollup, whatever the board's size.
        counts.append(len([s for s in statements if "FROM deals" in s or "FROM deal_stage_totals" in s]))
        assert len([s for s in statements if "LATERAL" in s]) == 1
        assert len([s for s in statements if "FROM deal_stage_totals" in s]) == 1
    assert counts == [2, 2], counts

    # The totals are kept for seconds: the next load runs only the cards' statement...
    statements.clear()
    event.listen(connection.sync_connection, "before_cursor_execute", count)  # type: ignore[arg-type]
    try:
        cached = (await client.get(f"/api/v1/pipelines/{journey['id']}/board", headers=admin)).json()
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", count)  # type: ignore[arg-type]
    assert len([s for s in statements if "FROM deal_stage_totals" in s]) == 0
    assert len([s for s in statements if "FROM deals" in s]) == 1 and cached["columns"][0]["count"] == 9
    # ...until any write commits.
    card = cached["columns"][0]["cards"][0]
    await client.post(
        f"/api/v1/deals/{card['id']}/move", json={"stage_id": journey["stages"][1]["id"]}, headers=admin
    )
    fresh = (await client.get(f"/api/v1/pipelines/{journey['id']}/board", headers=admin)).json()
    assert [c["count"] for c in fresh["columns"][:2]] == [8, 10]


async def test_move_between_neighbours_and_across_stages(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    journey: dict[str, Any],
    db: AsyncSession,
    tenant: Tenant,
) -> None:
    enquiry, booked, lost = (
        stage(journey, "Enquiry"),
        stage(journey, "Consultation booked"),
        stage(journey, "Lost"),
    )
    a, b, c = [await deal(client, admin, name) for name in "ABC"]
    x = await deal(client, admin, "X", stage_id=booked)
    moved = await client.post(
        f"/api/v1/deals/{c['id']}/move", json={"stage_id": enquiry, "after_id": a["id"]}, headers=admin
    )
    assert moved.status_code == 200, moved.text
    assert a["board_rank"] < moved.json()["board_rank"] < b["board_rank"]
    assert moved.json()["version"] == 1  # reordering within a stage is not an edit
    assert await column(client, admin, journey["id"], enquiry) == ["A", "C", "B"]
    top = await client.post(
        f"/api/v1/deals/{b['id']}/move", json={"stage_id": enquiry, "before_id": a["id"]}, headers=admin
    )
    assert top.status_code == 200
    assert await column(client, admin, journey["id"], enquiry) == ["B", "A", "C"]

    across = await client.post(
        f"/api/v1/deals/{a['id']}/move", json={"stage_id": booked, "before_id": x["id"]}, headers=admin
    )
    body = across.json()
    assert body["stage_id"] == booked and body["probability"] == 25 and body["version"] == 2
    assert await column(client, admin, journey["id"], booked) == ["A", "X"]
    history = (await client.get(f"/api/v1/deals/{a['id']}/stage-history", headers=admin)).json()
    assert [(h["from_stage_id"], h["to_stage_id"]) for h in history] == [(None, enquiry), (enquiry, booked)]
    refused = await client.post(f"/api/v1/deals/{a['id']}/move", json={"stage_id": lost}, headers=admin)
    assert refused.status_code == 400 and refused.json()["error"] == "lost_reason_required"
    closed = await client.post(
        f"/api/v1/deals/{a['id']}/move", json={"stage_id": lost, "lost_reason": "No show"}, headers=admin
    )
    assert closed.json()["status"] == "lost" and closed.json()["closed_at"]

    gone = await client.post(
        f"/api/v1/deals/{c['id']}/move", json={"stage_id": enquiry, "after_id": x["id"]}, headers=admin
    )
    assert gone.status_code == 409 and gone.json()["error"] == "board_changed"
    itself = await client.post(
        f"/api/v1/deals/{c['id']}/move", json={"stage_id": enquiry, "after_id": c["id"]}, headers=admin
    )
    assert itself.status_code == 400
    other = (
        await client.post(
            "/api/v1/pipelines", json={"name": "Other", "stages": [{"name": "S"}]}, headers=admin
        )
    ).json()
    wrong = await client.post(
        f"/api/v1/deals/{c['id']}/move", json={"stage_id": other["stages"][0]["id"]}, headers=admin
    )
    assert wrong.status_code == 400 and wrong.json()["error"] == "stage_not_in_pipeline"

    await set_tenant(db, tenant.id)
    audit = (
        (
            await db.execute(
                text(
                    "SELECT changes FROM audit_events WHERE entity_id = :id AND action = 'deal.move' ORDER BY seq"
                ),
                {"id": a["id"]},
            )
        )
        .scalars()
        .all()
    )
    assert audit[0]["stage_id"] == {"before": enquiry, "after": booked}


async def test_collisions_and_long_ranks_rebalance_only_the_neighbourhood(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    journey: dict[str, Any],
    db: AsyncSession,
    tenant: Tenant,
) -> None:
    enquiry = stage(journey, "Enquiry")
    cards = [await deal(client, admin, f"D{index:02d}") for index in range(40)]
    mover = await deal(client, admin, "M", stage_id=stage(journey, "Won"))
    await set_tenant(db, tenant.id)
    # Cards 10-29 collide on one rank (as a careless import might leave them).
    ids = [c["id"] for c in cards[10:30]]
    await db.execute(text("UPDATE deals SET board_rank = 'a5' WHERE id = ANY(:ids)"), {"ids": ids})
    before = dict((await db.execute(text("SELECT id::text, board_rank FROM deals"))).all())
    order_before = await column(client, admin, journey["id"], enquiry)

    target = sorted(ids)[5]  # in the middle of the tied run
    moved = await client.post(
        f"/api/v1/deals/{mover['id']}/move", json={"stage_id": enquiry, "after_id": target}, headers=admin
    )
    assert moved.status_code == 200, moved.text
    after = dict((await db.execute(text("SELECT id::text, board_rank FROM deals"))).all())
    changed = {deal_id for deal_id in before if before[deal_id] != after[deal_id]} - {mover["id"]}
    assert 0 < len(changed) <= 16  # a neighbourhood, not the column of 41
    order_after = await column(client, admin, journey["id"], enquiry)
    assert (
        order_after.index("M") == order_before.index(next(c["name"] for c in cards if c["id"] == target)) + 1
    )
    assert [name for name in order_after if name != "M"] == order_before
    ranks = [after[c["id"]] for c in cards] + [after[mover["id"]]]
    assert len(set(ranks)) < len(ranks)  # the rest of the tied run was left alone

    # A rank grown too long is re-spread too, around the slot only.
    await db.execute(
        text("UPDATE deals SET board_rank = :rank WHERE id = :id"),
        {"rank": "a0" + "0" * 30 + "1", "id": cards[1]["id"]},
    )
    await db.execute(text("UPDATE deals SET board_rank = 'a0' WHERE id = :id"), {"id": cards[0]["id"]})
    squeeze = await client.post(
        f"/api/v1/deals/{mover['id']}/move",
        json={"stage_id": enquiry, "after_id": cards[0]["id"]},
        headers=admin,
    )
    assert squeeze.status_code == 200 and len(squeeze.json()["board_rank"]) <= 24
    assert (await column(client, admin, journey["id"], enquiry))[:3] == ["D00", "M", "D01"]
