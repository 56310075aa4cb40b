"""The board: a pipeline's deals grouped by stage, and where a moved card goes.

Loading the board is two statements whatever the number of stages: one aggregate (count and
amounts per stage, summed from the stage rollup that triggers keep in each write's transaction,
ADR 0008; cached for seconds and dropped by any write) and one LATERAL top-N (the first cards
of every stage, each an index walk). Each column then pages on its own with a keyset cursor
over ``(board_rank, id)``.

Placing a card takes a rank between its two neighbours (``ranking.key_between``): one row is
written, never a column. Moves into one column are serialised by a transaction-scoped
advisory lock on the column, so two people dropping cards into the same slot at once get
distinct ranks (the second sees the first's card as its neighbour). When there is no room —
equal ranks, keys written by something else, or keys grown too long — only the
neighbourhood of the slot is re-spread, widening until it fits.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.permissions import Action, Scope
from crm.auth.principal import Principal
from crm.core.errors import BadRequest, Conflict, NotFound
from crm.core.runtime import Runtime
from crm.kit.hotcache import cached_json
from crm.kit.pagination import decode_cursor, encode_cursor
from crm.kit.records import scope_clause
from crm.models import Deal, DealStageTotal
from crm.pipeline import repository, service
from crm.pipeline.ranking import InvalidRank, key_between, keys_between, too_long
from crm.pipeline.repository import Card
from crm.pipeline.schemas import Board, BoardColumn, CardPage, CurrencyTotal, DealCard

CURSOR_KIND = "board"
TOTALS_TTL_S = 5.0
FIRST_WINDOW = 32


def amounts_visible(principal: Principal) -> bool:
    return principal.can("deal_amounts", Action.read)


def _filters(
    principal: Principal, owner_id: uuid.UUID | None, close_before: dt.date | None
) -> list[ColumnElement[bool]]:
    where = [scope_clause(principal.scope("deals", Action.read), Deal.owner_id, principal)]
    if owner_id is not None:
        where.append(Deal.owner_id == owner_id)
    if close_before is not None:
        where.append(Deal.expected_close_date < close_before)
    return where


def _rollup_filters(principal: Principal, owner_id: uuid.UUID | None) -> list[ColumnElement[bool]]:
    """``_filters`` without a close date, over the stage rollup's owner column."""
    where = [scope_clause(principal.scope("deals", Action.read), DealStageTotal.owner_id, principal)]
    if owner_id is not None:
        where.append(DealStageTotal.owner_id == owner_id)
    return where


def _card(row: Any, show_amounts: bool) -> DealCard:
    values = dict(row._mapping)
    values["tags"] = list(values["tags"] or [])
    if not show_amounts:
        values["amount"] = None
    return DealCard(**values)


def _cursor(card: DealCard) -> str:
    return encode_cursor(CURSOR_KIND, [card.board_rank, card.id])


def _scope_key(principal: Principal) -> str:
    scope = principal.scope("deals", Action.read)
    return "all" if scope is Scope.all else f"{scope.name}:{principal.user_id}"


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


async def _totals(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    pipeline_id: uuid.UUID,
    stage_ids: list[uuid.UUID],
    where: list[ColumnElement[bool]],
    owner_id: uuid.UUID | None,
    close_before: dt.date | None,
) -> list[tuple[uuid.UUID, str, int, Decimal | None, Decimal | None]]:
    """Count and amounts per stage and currency, from the stage rollup (ADR 0008) unless a close
    date filters the deals. Kept for a few seconds; any committed write in the organisation drops it."""

    async def compute() -> Any:
        if close_before is None:  # the rollup has no close dates; with that filter, count the deals
            rows = await repository.board_totals_from_rollup(
                session, stage_ids, _rollup_filters(principal, owner_id)
            )
        else:
            rows = await repository.board_totals(session, stage_ids, where)
        return [
            [str(r[0]), r[1], r[2], None if r[3] is None else str(r[3]), None if r[4] is None else str(r[4])]
            for r in rows
        ]

    key = f"{pipeline_id}:{owner_id}:{close_before}:{_scope_key(principal)}"
    rows = await cached_json(runtime.cache, "board", principal.organization_id, key, TOTALS_TTL_S, compute)
    return [(uuid.UUID(r[0]), r[1], int(r[2]), _decimal(r[3]), _decimal(r[4])) for r in rows]


async def load_board(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    pipeline_id: uuid.UUID,
    *,
    per_stage: int,
    owner_id: uuid.UUID | None,
    close_before: dt.date | None,
) -> Board:
    pipeline = (await service.ensure(session, runtime, principal)).get(pipeline_id)
    if pipeline is None:
        raise NotFound("no such pipeline")
    stage_ids = [stage.id for stage in pipeline.stages]
    where = _filters(principal, owner_id, close_before)
    show = amounts_visible(principal)
    totals: dict[uuid.UUID, list[CurrencyTotal]] = {stage_id: [] for stage_id in stage_ids}
    cards: dict[uuid.UUID, list[DealCard]] = {stage_id: [] for stage_id in stage_ids}
    if stage_ids:
        for stage_id, currency, count, amount, weighted in await _totals(
            session, runtime, principal, pipeline_id, stage_ids, where, owner_id, close_before
        ):
            totals[stage_id].append(
                CurrencyTotal(
                    currency=currency,
                    count=count,
                    amount=amount if show else None,
                    weighted_amount=weighted if show else None,
                )
            )
        for row in await repository.board_cards(session, stage_ids, where, per_stage + 1):
            cards[row.stage_id].append(_card(row, show))
    columns = []
    for stage in pipeline.stages:
        stage_totals = sorted(totals[stage.id], key=lambda total: total.currency)
        page = cards[stage.id]
        total_amount: Decimal | None = None
        if show and len(stage_totals) <= 1:
            total_amount = (stage_totals[0].amount if stage_totals else None) or Decimal("0.00")
        columns.append(
            BoardColumn(
                stage=stage.out(),
                count=sum(total.count for total in stage_totals),
                total_amount=total_amount,
                totals=stage_totals,
                cards=page[:per_stage],
                next_cursor=_cursor(page[per_stage - 1]) if len(page) > per_stage else None,
            )
        )
    return Board(pipeline=pipeline.out(), columns=columns)


async def stage_page(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    pipeline_id: uuid.UUID,
    stage_id: uuid.UUID,
    *,
    cursor: str | None,
    limit: int,
    owner_id: uuid.UUID | None,
    close_before: dt.date | None,
) -> CardPage:
    pipeline = (await service.load(session, runtime, principal.organization_id)).get(pipeline_id)
    if pipeline is None or pipeline.stage(stage_id) is None:
        raise NotFound("no such stage")
    after = None
    if cursor:
        rank, last_id = decode_cursor(cursor, CURSOR_KIND, 2)
        try:
            after = (str(rank), uuid.UUID(str(last_id)))
        except ValueError:
            raise BadRequest("this cursor is invalid for this list", code="invalid_cursor") from None
    rows = await repository.stage_cards(
        session, stage_id, _filters(principal, owner_id, close_before), after, limit + 1
    )
    show = amounts_visible(principal)
    items = [_card(row, show) for row in rows]
    return CardPage(
        items=items[:limit], next_cursor=_cursor(items[limit - 1]) if len(items) > limit else None
    )


# --- placing a card ------------------------------------------------------------------------


async def place(
    session: AsyncSession,
    principal: Principal,
    stage_id: uuid.UUID,
    deal_id: uuid.UUID,
    *,
    after_id: uuid.UUID | None = None,
    before_id: uuid.UUID | None = None,
) -> str:
    """The rank for ``deal_id`` in ``stage_id``: right after ``after_id``, else right before
    ``before_id``, else at the bottom. May re-spread a few neighbours' ranks."""
    if deal_id in (after_id, before_id):
        raise BadRequest("a card cannot be placed next to itself", code="invalid_neighbour")
    await repository.lock(session, f"board:{stage_id}")
    scope = scope_clause(principal.scope("deals", Action.read), Deal.owner_id, principal)
    low: Card | None
    high: Card | None
    if after_id is not None or before_id is not None:
        anchor_id = after_id if after_id is not None else before_id
        assert anchor_id is not None
        anchor = await repository.card(session, stage_id, anchor_id, scope)
        if anchor is None:
            raise Conflict(
                "the card to place this one next to is no longer in that stage: reload the board",
                code="board_changed",
            )
        if after_id is not None:
            low = anchor
            high = next(
                iter(await repository.cards_after(session, stage_id, anchor, 1, exclude=deal_id)), None
            )
        else:
            high = anchor
            low = next(
                iter(await repository.cards_before(session, stage_id, anchor, 1, exclude=deal_id)), None
            )
    else:
        low = next(iter(await repository.cards_before(session, stage_id, None, 1, exclude=deal_id)), None)
        high = None
    try:
        rank = key_between(low.rank if low else None, high.rank if high else None)
        if not too_long(rank):
            return rank
    except InvalidRank:
        pass
    return await _rebalance(session, stage_id, deal_id, low, high)


async def _rebalance(
    session: AsyncSession, stage_id: uuid.UUID, deal_id: uuid.UUID, low: Card | None, high: Card | None
) -> str:
    """Re-spread the ranks of the fewest cards around the slot between ``low`` and ``high`` that
    make room: the window is bounded by the nearest ranks, below and above, that leave space for
    the window's cards plus the moved one (a run of equal ranks is only split where needed)."""
    size = FIRST_WINDOW
    while True:
        below = (
            [low, *await repository.cards_before(session, stage_id, low, size, exclude=deal_id)]
            if low
            else []
        )
        above = (
            [high, *await repository.cards_after(session, stage_id, high, size, exclude=deal_id)]
            if high
            else []
        )
        found = _smallest_window(below, above, len(below) <= size, len(above) <= size)
        if found is not None:
            break
        size *= 4
    taken_below, taken_above, keys = found
    window: list[Card | None] = [*reversed(below[:taken_below]), None, *above[:taken_above]]
    await repository.set_ranks(
        session, [(card.id, key) for card, key in zip(window, keys, strict=True) if card and card.rank != key]
    )
    return keys[window.index(None)]


def _smallest_window(
    below: list[Card], above: list[Card], below_complete: bool, above_complete: bool
) -> tuple[int, int, list[str]] | None:
    """How many cards to re-rank below and above the slot, and their keys (moved card included).

    ``below``/``above`` are the cards nearest the slot first; ``*_complete`` says the list runs to
    the end of the column (so taking all of it leaves that side unbounded)."""
    for total in range(len(below) + len(above) + 1):
        for taken_below in range(max(0, total - len(above)), min(total, len(below)) + 1):
            taken_above = total - taken_below
            if taken_below == len(below) and not below_complete:
                continue
            if taken_above == len(above) and not above_complete:
                continue
            lower = below[taken_below].rank if taken_below < len(below) else None
            upper = above[taken_above].rank if taken_above < len(above) else None
            try:
                if too_long(key_between(lower, upper)):
                    continue  # no room even for one key: widening is the only way
                keys = keys_between(lower, upper, total + 1)
            except InvalidRank:
                continue
            if not any(too_long(key) for key in keys):
                return taken_below, taken_above, keys
    return None
