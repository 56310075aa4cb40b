"""`q` on lists: a rare term's matches come from the search index (``search_match_ids``), a common
term walks the sort index; both list the same rows in the same order, page the same way and keep
their totals exact up to the limit. The index probe only ever sees the caller's organisation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from crm.core.db import set_tenant
from crm.kit import query
from crm.models import Role
from tests.fixtures.people import Tenant, bearer, token_for

QUILLS = 7


@pytest.fixture
def statements(connection: AsyncConnection) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(connection.sync_connection, "before_cursor_execute", record)  # type: ignore[arg-type]
    yield seen
    event.remove(connection.sync_connection, "before_cursor_execute", record)  # type: ignore[arg-type]


async def admin_of(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, str]:
    return bearer(await token_for(client, tenant.people[Role.admin]))


async def add_contacts(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    """Seven Quills (one a Quillfeather), three others; returns the Quills' ids."""
    ids = []
    for n in range(QUILLS):
        last = "Quillfeather" if n == 3 else "Quill"
        body = {"first_name": "Ann", "last_name": last, "job_title": f"Buyer {n}"}
        created = await client.post("/api/v1/contacts", json=body, headers=headers)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    for n in range(3):
        body = {"first_name": f"Bo{n}", "last_name": "Stone", "job_title": "Quilting teacher"}
        assert (await client.post("/api/v1/contacts", json=body, headers=headers)).status_code == 201
    return ids


async def every_page(
    client: httpx.AsyncClient, headers: dict[str, str], params: dict[str, str]
) -> tuple[list[str], list[Any]]:
    """The ids over all keyset pages, and the total of the first page."""
    seen: list[str] = []
    cursor = None
    totals = []
    while True:
        page = await client.get(
            "/api/v1/contacts", params=params | ({"cursor": cursor} if cursor else {}), headers=headers
        )
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [c["id"] for c in body["items"]]
        totals.append(body.get("total"))
        cursor = body["next_cursor"]
        if not cursor:
            return seen, totals


async def test_rare_and_common_terms_list_the_same_rows_in_the_same_order(
    client: httpx.AsyncClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = await admin_of(client, tenant)
    await add_contacts(client, headers)
    for params in ({"q": "quill ", "limit": "2"}, {"q": "quil", "limit": "3", "sort": "name"}):
        rare, rare_totals = await every_page(client, headers, params)
        # A cap below the match count: the same search now takes the common-term path.
        monkeypatch.setattr(query, "SEARCH_CANDIDATE_CAP", 3)
        common, common_totals = await every_page(client, headers, params)
        monkeypatch.undo()
        assert rare == common and len(rare) == len(set(rare))
        assert rare_totals == common_totals
        assert rare_totals[0] == {"value": len(rare), "exact": True}
        assert rare_totals[1:] == [None] * (len(rare_totals) - 1)
    assert len((await every_page(client, headers, {"q": "quill "}))[0]) == QUILLS - 1  # whole word


async def test_the_last_word_matches_as_a_prefix_while_typed(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = await admin_of(client, tenant)
    quills = await add_contacts(client, headers)

    async def found(q: str) -> set[str]:
        response = await client.get("/api/v1/contacts", params={"q": q, "limit": "50"}, headers=headers)
        assert response.status_code == 200, response.text
        return {c["id"] for c in response.json()["items"]}

    assert await found("Quil") >= set(quills)  # and the quilting teachers
    assert len(await found("Quil")) == QUILLS + 3
    assert await found("ann quill") == set(quills)  # "quill" as a prefix takes Quillfeather too
    assert await found("quill ") == set(quills) - {quills[3]}  # a finished word matches whole
    assert await found('"ann quillfeather"') == {quills[3]}
    assert await found("quill -quillfeather") == set(quills) - {quills[3]}


@pytest.mark.parametrize(
    "typed",
    [
        "",
        " ",
        "-",
        '"',
        "'",
        "''",
        "a'",
        "o'brien",
        "x:*",
        "a & b",
        "a | ",
        "!!",
        "(a",
        "a)",
        "<->",
        "a <-> b",
        "\\",
        "%",
        "ümlaut",
        "名前",
        "OR",
        "a OR",
        "-a -b",
        '"unclosed phrase',
        "a:",
        "a:b",
        "9",
        "_",
        "a_b",
    ],
)
async def test_whatever_is_typed_the_list_answers(
    client: httpx.AsyncClient, tenant: Tenant, typed: str
) -> None:
    headers = await admin_of(client, tenant)
    response = await client.get("/api/v1/contacts", params={"q": typed}, headers=headers)
    assert response.status_code == 200, response.text
    assert isinstance(response.json()["items"], list)


async def test_a_search_never_sees_another_organisation(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, db: AsyncSession
) -> None:
    ours = await add_contacts(client, await admin_of(client, tenant))
    theirs = await add_contacts(client, await admin_of(client, other_tenant))
    listed, totals = await every_page(client, await admin_of(client, tenant), {"q": "Quill"})
    assert set(listed) == set(ours) and totals[0] == {"value": QUILLS, "exact": True}

    probe = text(
        "SELECT search_match_ids('contacts', websearch_to_tsquery('simple', 'quill'), 100, true)::text"
    )
    await set_tenant(db, other_tenant.id)
    assert set((await db.execute(probe)).scalars()) == set(theirs) - {theirs[3]}  # not Quillfeather
    await db.execute(text("SELECT set_config('app.org_id', '', true)"))
    assert list((await db.execute(probe)).scalars()) == []  # no organisation, no ids


async def test_only_searchable_tables_are_probed(db: AsyncSession, tenant: Tenant) -> None:
    await set_tenant(db, tenant.id)
    with pytest.raises(DBAPIError, match="not searchable"):
        async with db.begin_nested():
            await db.execute(
                text("SELECT search_match_ids('users', websearch_to_tsquery('simple', 'a'), 5, true)")
            )


async def test_a_rare_term_is_an_estimate_a_probe_and_one_page_statement(
    client: httpx.AsyncClient, tenant: Tenant, statements: list[str]
) -> None:
    headers = await admin_of(client, tenant)
    await add_contacts(client, headers)
    statements.clear()
    body = (await client.get("/api/v1/contacts", params={"q": "quill"}, headers=headers)).json()
    assert body["total"] == {"value": QUILLS, "exact": True}
    searched = [s for s in statements if "search_vector" in s or "search_match_ids" in s]
    assert len(searched) == 3, searched
    assert searched[0].startswith("EXPLAIN") and "search_match_ids" in searched[1]
    assert "count(*) OVER ()" in searched[2]  # the total came with the page
    statements.clear()
    nothing = (await client.get("/api/v1/contacts", params={"q": "zzyzx"}, headers=headers)).json()
    assert nothing["items"] == [] and nothing["total"] == {"value": 0, "exact": True}
    assert not any("search_vector" in s and not s.startswith("EXPLAIN") for s in statements)  # no page read


async def test_a_term_the_planner_expects_to_be_common_is_not_probed(
    client: httpx.AsyncClient, tenant: Tenant, statements: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = await admin_of(client, tenant)
    quills = await add_contacts(client, headers)
    monkeypatch.setattr(query, "COMMON_TERM_ESTIMATE", 0)
    statements.clear()
    body = (await client.get("/api/v1/contacts", params={"q": "quill"}, headers=headers)).json()
    assert {c["id"] for c in body["items"]} == set(quills) and body["total"] == {
        "value": QUILLS,
        "exact": True,
    }
    assert not any("search_match_ids" in s for s in statements)
    assert any("search_match_count" in s for s in statements)  # counted in the search index


async def test_deleted_records_are_searched_only_when_asked_for(
    client: httpx.AsyncClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = await admin_of(client, tenant)
    quills = await add_contacts(client, headers)
    assert (await client.delete(f"/api/v1/contacts/{quills[0]}", headers=headers)).status_code in (200, 204)
    for cap in (query.SEARCH_CANDIDATE_CAP, 0):  # both the rare and the common path
        monkeypatch.setattr(query, "COMMON_TERM_ESTIMATE", cap)
        live, totals = await every_page(client, headers, {"q": "quill"})
        assert set(live) == set(quills[1:]) and totals[0] == {"value": QUILLS - 1, "exact": True}
        every, totals = await every_page(client, headers, {"q": "quill", "include_deleted": "true"})
        assert set(every) == set(quills) and totals[0] == {"value": QUILLS, "exact": True}


async def test_a_lone_common_term_is_counted_below_twice_the_limit_and_estimated_above(
    db: AsyncSession, tenant: Tenant, statements: list[str]
) -> None:
    from crm.kit.pagination import EXACT_TOTAL_LIMIT, Total
    from crm.models import Contact

    await set_tenant(db, tenant.id)
    tsquery = query.search_query("quill")
    far = query.SEARCH_ESTIMATE_TRUSTED_FACTOR * EXACT_TOTAL_LIMIT
    assert await query._text_total(db, Contact, tsquery, far) == Total(value=far, exact=False)
    assert not any("search_match_count" in s for s in statements)
    # Below it the estimate is not taken on trust: the matches are counted (none here), exactly.
    assert await query._text_total(db, Contact, tsquery, far - 1) == Total(value=0, exact=True)
    assert any("search_match_count" in s for s in statements)
