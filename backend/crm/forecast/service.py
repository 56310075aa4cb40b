"""Revenue forecast of one pipeline: the backend gathers the deals the caller may see and the
pipeline's past closed-won revenue; the AI service turns them into win probabilities, a Monte
Carlo P10/P50/P90 per period with the deals that move it most, and a time-series forecast with
its backtest beside the naive baseline (or an explicit "not enough history").

A sales rep who sees only their own deals gets the forecast of their own deals: every query runs
under the caller's deal scope, the history included.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai.client import BATCH, client_for
from crm.ai.service import subject_of
from crm.audit.service import record_event
from crm.auth.permissions import Action
from crm.auth.principal import ActorType, Principal
from crm.core.config import Settings
from crm.core.errors import BadRequest, Forbidden, NotFound
from crm.forecast import periods as cal
from crm.forecast import repository
from crm.forecast.repository import DealRow, Engagement, StageRow
from crm.forecast.schemas import (
    Band,
    DealForecastOut,
    ForecastOut,
    HistoryPointOut,
    MoverOut,
    PeriodForecastOut,
    PeriodKind,
    ReasonOut,
    TimeSeriesOut,
    WinModelOut,
)
from crm.kit.records import scope_clause
from crm.models import Deal

MODEL = "forecasting"
HISTORY_PERIODS = {"month": 60, "quarter": 24}
MAX_CLOSED_DEALS = 20_000
MAX_OPEN_PER_PERIOD = 20_000  # the AI service's limit for one period
TOP_MOVERS = 5
SIMULATIONS = 10_000


@dataclass(frozen=True)
class Facts:
    stages: dict[uuid.UUID, StageRow]
    engagement: dict[uuid.UUID, Engagement]
    scores: dict[uuid.UUID, float]
    first_close: dict[uuid.UUID, dt.date]


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def _features(deal: DealRow, stage: StageRow, facts: Facts, as_of: dt.datetime) -> dict[str, Any]:
    seen = facts.engagement.get(deal.id, Engagement())
    slippage = 0
    first = facts.first_close.get(deal.id)
    if first is not None and deal.expected_close_date is not None:
        slippage = _clamp((deal.expected_close_date - first).days, -3650, 3650)
    score = facts.scores.get(deal.id)
    return {
        "stage": stage.name,
        "stage_probability": stage.probability / 100,
        "age_days": _clamp((as_of - deal.created_at).days, 0, 36_500),
        "close_slippage_days": slippage,
        "engagement": {
            "emails": seen.emails,
            "calls": seen.calls,
            "meetings": seen.meetings,
            "notes": seen.notes,
        },
        "days_since_last_activity": (
            None if seen.last_activity_at is None else _clamp((as_of - seen.last_activity_at).days, 0, 36_500)
        ),
        "lead_score": None if score is None else round(min(max(score, 0.0), 1.0) * 100, 2),
    }


def _currency(open_deals: list[DealRow], closed: list[DealRow], wanted: str | None) -> str | None:
    if wanted is not None:
        return wanted.upper()
    counts = Counter(d.currency for d in open_deals) or Counter(d.currency for d in closed)
    return counts.most_common(1)[0][0] if counts else None


async def forecast(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    *,
    pipeline_id: uuid.UUID | None,
    kind: PeriodKind,
    count: int,
    currency: str | None,
) -> ForecastOut:
    if not principal.can("deals", Action.read):
        raise Forbidden("your role may not read deals", code="forbidden")
    pipeline = await repository.pipeline(session, pipeline_id)
    if pipeline is None:
        raise NotFound("no such pipeline" if pipeline_id else "this organisation has no pipeline yet")
    scope_level = principal.scope("deals", Action.read)
    scope = scope_clause(scope_level, Deal.owner_id, principal)
    now = (await session.execute(text("SELECT now()"))).scalar_one()
    today = now.astimezone(dt.UTC).date()
    current = cal.period_of(today, kind)
    ahead = cal.following(current, kind, count)
    past = cal.preceding(current, kind, HISTORY_PERIODS[kind])
    since = dt.datetime.combine(past[0].start, dt.time(), dt.UTC)

    stages = await repository.stages(session, pipeline.id)
    open_all, closed_all = await repository.deals(
        session, pipeline.id, scope, closed_since=since, max_closed=MAX_CLOSED_DEALS
    )
    chosen = _currency(open_all, closed_all, currency)
    open_deals = [d for d in open_all if d.currency == chosen]
    closed = [d for d in closed_all if d.currency == chosen and d.last_open_stage_id in stages]

    # Which period each open deal lands in: overdue ones are still expected now; undated ones
    # have no period and are left out (counted in the answer).
    by_period: dict[str, list[DealRow]] = {p.label: [] for p in ahead}
    undated = 0
    for deal in open_deals:
        if deal.expected_close_date is None:
            undated += 1
            continue
        day = max(deal.expected_close_date, current.start)
        for period in ahead:
            if period.holds(day):
                by_period[period.label].append(deal)
                break
    wanted = [d for p in ahead for d in by_period[p.label]]
    if any(len(v) > MAX_OPEN_PER_PERIOD for v in by_period.values()):
        raise BadRequest(
            f"more than {MAX_OPEN_PER_PERIOD} open deals close in one period: narrow the pipeline",
            code="too_many_deals",
        )
    as_of = {d.id: now for d in wanted} | {d.id: d.closed_at or now for d in closed}
    ids = list(as_of)
    facts = Facts(
        stages=stages,
        engagement=await repository.engagement(session, as_of),
        scores=await repository.lead_scores(session, ids),
        first_close=await repository.first_close_dates(session, ids),
    )
    closed_payload = [
        {
            "id": str(d.id),
            "outcome": d.status,
            **_features(d, stages[d.last_open_stage_id], facts, d.closed_at or now),  # type: ignore[index]
        }
        for d in closed
    ]
    history = await _history(session, pipeline.id, scope, chosen, kind, past, current)

    ai = client_for(settings)
    answers: list[dict[str, Any]] = []
    for index, period in enumerate(ahead):
        deals = by_period[period.label]
        payload = {
            "pipeline_id": str(pipeline.id),
            "period": {"kind": kind, "label": period.label},
            "open_deals": [
                {
                    "id": str(d.id),
                    "amount": float(d.amount or 0),
                    **_features(d, stages[d.stage_id], facts, now),
                }
                for d in deals
            ],
            "closed_deals": closed_payload,
            # The time series is asked for once, on the first call, for every period ahead.
            "history": [h.model_dump() for h in history] if index == 0 else [],
            "closed_won_to_date": await _won_to_date(session, pipeline.id, scope, chosen, period, now)
            if index == 0
            else 0.0,
            "simulations": SIMULATIONS,
            "horizon": count,
            "top_movers": TOP_MOVERS,
            "seed": 0,
        }
        answers.append(
            await ai.call(
                "POST",
                "/v1/forecast",
                org_id=str(principal.organization_id),
                subject=subject_of(principal),
                json=payload,
                idempotent=True,
                limits=BATCH,
            )
        )

    names = {d.id: d.name for d in open_deals}
    stage_names = {d.id: stages[d.stage_id].name for d in open_deals}
    period_of_deal = {d.id: p.label for p in ahead for d in by_period[p.label]}
    win_model = answers[0]["win_model"]
    out = ForecastOut(
        pipeline_id=pipeline.id,
        pipeline_name=pipeline.name,
        period_kind=kind,
        currency=chosen,
        other_currency_deals=len(open_all) - len(open_deals),
        deals_without_amount=sum(1 for d in wanted if d.amount is None),
        undated_deals=undated,
        scope=scope_level.label,
        generated_at=now,
        periods=[_period_out(p, a, names) for p, a in zip(ahead, answers, strict=True)],
        win_model=WinModelOut(**{k: win_model[k] for k in WinModelOut.model_fields}),
        deals=sorted(
            (
                DealForecastOut(
                    deal_id=uuid.UUID(d["id"]),
                    name=names[uuid.UUID(d["id"])],
                    period=period_of_deal[uuid.UUID(d["id"])],
                    stage=stage_names[uuid.UUID(d["id"])],
                    amount=d["amount"],
                    stage_probability=d["stage_probability"],
                    win_probability=d["win_probability"],
                    expected_revenue=d["expected_revenue"],
                    reasons=[ReasonOut(**r) for r in d["reasons"]],
                )
                for a in answers
                for d in a["deals"]
            ),
            key=lambda d: -d.expected_revenue,
        ),
        history=history,
        time_series=TimeSeriesOut.model_validate(answers[0]["time_series"]),
    )
    await record_event(
        session,
        action="ai.forecast",
        actor=principal,
        actor_type=ActorType.ai,
        entity_type="pipeline",
        entity_id=pipeline.id,
        meta={
            "model": MODEL,
            "version": win_model["version"],
            "win_model": win_model["kind"],
            "time_series": out.time_series.method or out.time_series.status,
            "period": kind,
            "periods": count,
            "deals": len(wanted),
        },
    )
    return out


def _period_out(period: cal.Period, answer: dict[str, Any], names: dict[uuid.UUID, str]) -> PeriodForecastOut:
    revenue = answer["revenue"]
    return PeriodForecastOut(
        period=period.label,
        start=period.start,
        end=period.end,
        p10=revenue["p10"],
        p50=revenue["p50"],
        p90=revenue["p90"],
        expected=revenue["expected"],
        closed_won_to_date=revenue["closed_won_to_date"],
        deals=revenue["deals"],
        simulations=revenue["simulations"],
        movers=[
            MoverOut(
                deal_id=uuid.UUID(m["id"]),
                name=names.get(uuid.UUID(m["id"]), ""),
                amount=m["amount"],
                win_probability=m["win_probability"],
                share_of_variance=m["share_of_variance"],
                if_won=Band(**m["if_won"]),
                if_lost=Band(**m["if_lost"]),
            )
            for m in answer["movers"]
        ],
    )


async def _history(
    session: AsyncSession,
    pipeline_id: uuid.UUID,
    scope: Any,
    currency: str | None,
    kind: PeriodKind,
    past: list[cal.Period],
    current: cal.Period,
) -> list[HistoryPointOut]:
    """Closed-won revenue of each past period, contiguous, from the first period with a win."""
    if currency is None:
        return []
    since = dt.datetime.combine(past[0].start, dt.time(), dt.UTC)
    until = dt.datetime.combine(current.start, dt.time(), dt.UTC)
    totals = dict.fromkeys((p.label for p in past), 0.0)
    for day, amount in await repository.won_by_day(session, pipeline_id, scope, currency, since, until):
        label = cal.period_of(day, kind).label
        if label in totals:
            totals[label] += float(amount)
    labels = [p.label for p in past]
    first = next((i for i, label in enumerate(labels) if totals[label] > 0), len(labels))
    return [HistoryPointOut(period=label, won_amount=round(totals[label], 2)) for label in labels[first:]]


async def _won_to_date(
    session: AsyncSession,
    pipeline_id: uuid.UUID,
    scope: Any,
    currency: str | None,
    period: cal.Period,
    now: dt.datetime,
) -> float:
    if currency is None:
        return 0.0
    since = dt.datetime.combine(period.start, dt.time(), dt.UTC)
    rows = await repository.won_by_day(
        session, pipeline_id, scope, currency, since, now + dt.timedelta(seconds=1)
    )
    return round(sum(float(amount) for _, amount in rows), 2)
