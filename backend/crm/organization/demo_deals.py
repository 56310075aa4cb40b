"""Demo deals: one per converted lead, the rest from existing contacts, over 18 months.

Each deal gets a line of business (a treatment for a patient, a contract for a company), an
amount in EUR, a sales cycle, and an outcome: closed (won or lost, with a reason) once its
cycle has run, otherwise open at the stage its elapsed share of the cycle reaches. About one
overdue deal in eight stalls: still open with its expected close date behind it. Stage
history rows walk the stages in order, and board ranks order each stage's cards.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from crm.organization import demo_corpus as corpus
from crm.organization.demo_data import (
    CORPORATE_PIPELINE,
    COUNTS,
    PATIENT_PIPELINE,
    PIPELINES,
    SPAN_DAYS,
    Row,
    board_ranks,
)

if TYPE_CHECKING:
    from crm.organization.demo_data import Builder

Line = tuple[str, tuple[int, int], tuple[int, int]]


def _amount(b: Builder, line: Line, company: Row | None) -> Decimal:
    low, high = line[1]
    if company is None:
        return Decimal(round(b.rng.randint(low, high), -1))
    spec = b.company_spec(company)
    if spec.kind == "employer":
        covered = b.plan.info[company["id"]]["employees"] * b.rng.uniform(0.25, 1.0)
        return Decimal(min(400_000, max(2_000, round(covered * b.rng.randint(low, high), -2))))
    return Decimal(round(b.rng.randint(low, high), -3) or 500)


def _line(b: Builder, company: Row | None) -> Line:
    if company is None:
        return b.rng.choice(corpus.PATIENT_TREATMENTS)
    return b.rng.choice(corpus.CORPORATE_LINES[b.company_spec(company).kind])


def add_deals(b: Builder) -> None:
    plan = b.plan
    contacts = {c["id"]: c for c in plan.contacts}
    companies = {c["id"]: c for c in plan.companies}
    wanted: list[dict[str, Any]] = []
    for lead in plan.leads:
        if lead["status"] == "converted":
            contact = contacts[lead["converted_contact_id"]]
            company = companies.get(contact["company_id"]) if contact["company_id"] else None
            wanted.append({"at": lead["converted_at"], "contact": contact, "company": company, "lead": lead})
    while len(wanted) < COUNTS["deals"]:
        at = b.start + dt.timedelta(days=SPAN_DAYS * b.rng.random() ** 0.9)
        corporate = b.rng.random() < 0.55
        people = [
            c
            for c in plan.contacts
            if (c["company_id"] is not None) == corporate
            and c["created_at"] <= at
            and (corporate or c["lifecycle_stage"] in ("patient", "lead"))
        ]
        if not people:
            continue
        contact = b.rng.choice(people)
        company = companies.get(contact["company_id"]) if corporate else None
        wanted.append(
            {
                "at": b.moment(at - dt.timedelta(hours=12), at),
                "contact": contact,
                "company": company,
                "lead": None,
            }
        )
    order = {c["id"]: n for n, c in enumerate(plan.contacts)}  # ids differ per organisation, order must not
    wanted.sort(key=lambda w: (w["at"], order[w["contact"]["id"]]))
    for n, w in enumerate(wanted):
        _deal(b, n, w["at"], w["contact"], w["company"], w["lead"])
    _rank(b)


def _deal(
    b: Builder, n: int, created: dt.datetime, contact: Row, company: Row | None, lead: Row | None
) -> None:
    plan = b.plan
    pipeline = CORPORATE_PIPELINE if company is not None else PATIENT_PIPELINE
    stages = PIPELINES[pipeline]
    open_stages = [s[0] for s in stages if not s[2] and not s[3]]
    line = _line(b, company)
    amount = _amount(b, line, company)
    cycle = dt.timedelta(days=b.rng.uniform(*line[2]))
    if lead is not None:
        p_win = 0.3 + 0.45 * b.plan.info[lead["id"]]["p"]
    else:
        p_win = 0.58 if company is None else 0.46
    if company is not None and amount > 60_000:
        p_win -= 0.12
    due = created + cycle
    stalled = due <= b.now and b.rng.random() < 0.12
    status = "open"
    if due <= b.now and not stalled:
        status = "won" if b.rng.random() < p_win else "lost"
    if status == "won":
        reached, closed_at = len(open_stages) - 1, due
    elif status == "lost":
        reached = b.rng.randrange(len(open_stages))
        closed_at = created + cycle * b.rng.uniform(0.4, 1.0)
    else:
        elapsed = (b.now - created) / cycle
        reached, closed_at = min(int(elapsed * len(open_stages)), len(open_stages) - 1), None
    path = open_stages[: reached + 1] + (["Won"] if status == "won" else ["Lost"] if status == "lost" else [])
    end = closed_at or min(b.now, created + cycle * min(1.0, (reached + 0.5) / len(open_stages)))
    times = [created, *sorted(b.moment(created, end) for _ in path[1:])]
    if closed_at is not None:
        times[-1] = closed_at
    deal_id = b.id("deal", n)
    owner = contact["owner_id"] if b.rng.random() < 0.5 else b.owner({"sales": 75, "admin": 25})
    stage_name = path[-1]
    probability = dict((s[0], s[1]) for s in stages)[stage_name]
    name = f"{line[0]} — {contact['first_name']} {contact['last_name']}"
    if company is not None:
        renewal = lead is None and b.rng.random() < 0.2
        name = f"{company['name']} — {line[0]}{' renewal' if renewal else ''}"
    tags = ["at-risk"] if stalled else (["financing"] if company is None and b.rng.random() < 0.15 else [])
    plan.deals.append(
        {
            "id": deal_id,
            "name": name[:200],
            "amount": amount,
            "currency": "EUR",
            "pipeline_id": b.id("pipeline", pipeline),
            "stage_id": b.stage_ids[(pipeline, stage_name)],
            "board_rank": "",
            "probability": probability,
            "expected_close_date": (closed_at or due).date(),
            "company_id": company["id"] if company else None,
            "status": status,
            "lost_reason": b.rng.choice(corpus.DEAL_LOST_REASONS) if status == "lost" else None,
            "closed_at": closed_at,
            "stage_entered_at": times[-1],
            "owner_id": owner,
            "created_by": owner,
            "tags": tags,
            "created_at": created,
            "updated_at": times[-1],
        }
    )
    previous: uuid.UUID | None = None
    for index, (stage, at) in enumerate(zip(path, times, strict=True)):
        stage_id = b.stage_ids[(pipeline, stage)]
        plan.stage_changes.append(
            {
                "id": b.id("stage-change", f"{n}:{index}"),
                "deal_id": deal_id,
                "from_stage_id": previous,
                "to_stage_id": stage_id,
                "changed_at": at,
                "changed_by": owner,
            }
        )
        previous = stage_id
    people = [contact]
    if company is not None and b.rng.random() < 0.3:
        colleagues = [
            c for c in plan.contacts if c["company_id"] == company["id"] and c["id"] != contact["id"]
        ]
        if colleagues:
            people.append(b.rng.choice(colleagues))
    for person in people:
        plan.deal_contacts.append({"deal_id": deal_id, "contact_id": person["id"]})
    if lead is not None:
        lead["converted_deal_id"] = deal_id
        lead["converted_company_id"] = company["id"] if company else None
    if status == "won":
        contact["lifecycle_stage"] = "customer" if company is not None else "patient"
    elif lead is not None and status == "lost":
        contact["lifecycle_stage"] = "qualified" if company is not None else "patient"
    topic = f"the {line[0].lower()}"
    plan.info[deal_id] = {"contact": contact, "company": company, "topic": topic, "end": closed_at}


def _rank(b: Builder) -> None:
    by_stage: dict[uuid.UUID, list[tuple[int, Row]]] = {}
    for n, deal in enumerate(b.plan.deals):
        by_stage.setdefault(deal["stage_id"], []).append((n, deal))
    for deals in by_stage.values():
        deals.sort(key=lambda item: (item[1]["expected_close_date"], item[0]))
        for (_, deal), rank in zip(deals, board_ranks(len(deals)), strict=True):
            deal["board_rank"] = rank
