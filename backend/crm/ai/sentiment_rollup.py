"""Sentiment rolled up per contact and per company (account), stored on the record.

The rule (one SQL statement per set of records, the same in migration 0026's backfill):

* the **score** is a recency-weighted mean of the signed scores of the record's last
  ``WINDOW`` (20) analysed, not deleted activities, newest first: the newest weighs 1 and each
  older one ``DECAY`` (0.8) times the one after it. Weighting by rank, not by age, keeps a stored
  score true without a clock: it changes only when the activities change, never overnight;
* the **label** is the activity label (the model's most likely class) with the greatest
  recency-weighted share of that same window, a tie for the greatest share giving neutral; no
  analysed activity gives no label and no score. Reading the mean score with thresholds instead
  would contradict the activities: one note the model calls neutral with a positive-leaning score
  (0.26) made its contact "positive". The mean stays the trend number, for sort and filters;
* the **count** is every analysed activity (not only the window); ``sentiment_at`` is when the
  newest of them happened.

A company's activities are those logged on it plus those of its live contacts (as the trend on
demand reads them). The sweep refreshes the records in the transaction that stores the sentiments;
the follow-ups below refresh them when activities are deleted, restored or re-linked, and when
contacts or companies are deleted, restored or merged. Writes keep ``updated_at`` and ``version``:
a new sentiment is not an edit of the record (and must not fail someone's If-Match).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Uuid

from crm.kit.followups import Change, on_change

WINDOW = 20
DECAY = 0.8
# Activity fields whose change moves an activity between records or within their windows.
LINK_FIELDS = frozenset({"contact_id", "company_id", "occurred_at"})

# The label whose weighted share beats both others; otherwise (a tie for the top) neutral. The
# weights are exact numerics (power of a numeric literal), so equal shares compare equal.
_LABEL = """CASE WHEN agg.id IS NULL THEN NULL
    WHEN agg.positive > greatest(agg.negative, agg.neutral) THEN 'positive'
    WHEN agg.negative > greatest(agg.positive, agg.neutral) THEN 'negative' ELSE 'neutral' END"""

# The f-strings below interpolate module constants only; record ids are always bound parameters.
_AGG = f"""weighted AS (
    SELECT ranked.*, power({DECAY}, rank - 1) AS w FROM ranked WHERE rank <= {WINDOW}
),
agg AS (
    SELECT owner AS id, sum(score * w) / sum(w) AS score,
           coalesce(sum(w) FILTER (WHERE label = 'positive'), 0) AS positive,
           coalesce(sum(w) FILTER (WHERE label = 'negative'), 0) AS negative,
           coalesce(sum(w) FILTER (WHERE label = 'neutral'), 0) AS neutral,
           max(n) AS n, max(occurred_at) AS at
    FROM weighted GROUP BY owner
)"""  # noqa: S608

_SET = f"""sentiment_score = agg.score, sentiment_label = {_LABEL},
    sentiment_count = coalesce(agg.n, 0), sentiment_at = agg.at"""

_CHANGED = f"""(t.sentiment_score IS DISTINCT FROM agg.score OR t.sentiment_at IS DISTINCT FROM agg.at
    OR t.sentiment_count IS DISTINCT FROM coalesce(agg.n, 0)
    OR t.sentiment_label IS DISTINCT FROM {_LABEL})"""

_RANK = """row_number() OVER (PARTITION BY owner ORDER BY occurred_at DESC, aid DESC) AS rank,
           count(*) OVER (PARTITION BY owner) AS n"""

CONTACTS_SQL = f"""
WITH target AS (SELECT DISTINCT unnest(:ids) AS id),
linked AS (
    SELECT a.contact_id AS owner, a.id AS aid, a.sentiment_score AS score,
           a.sentiment_label AS label, a.occurred_at
    FROM activities a
    WHERE a.contact_id IN (SELECT id FROM target)
      AND a.deleted_at IS NULL AND a.sentiment_label IS NOT NULL
),
ranked AS (SELECT linked.*, {_RANK} FROM linked),
{_AGG}
UPDATE contacts t SET {_SET}
FROM target LEFT JOIN agg ON agg.id = target.id
WHERE t.id = target.id AND {_CHANGED}
"""  # noqa: S608

COMPANIES_SQL = f"""
WITH target AS (SELECT DISTINCT unnest(:ids) AS id),
linked AS (
    SELECT a.company_id AS owner, a.id AS aid, a.sentiment_score AS score,
           a.sentiment_label AS label, a.occurred_at
    FROM activities a
    WHERE a.company_id IN (SELECT id FROM target)
      AND a.deleted_at IS NULL AND a.sentiment_label IS NOT NULL
    UNION
    SELECT c.company_id, a.id, a.sentiment_score, a.sentiment_label, a.occurred_at
    FROM contacts c JOIN activities a ON a.contact_id = c.id
    WHERE c.company_id IN (SELECT id FROM target) AND c.deleted_at IS NULL
      AND a.deleted_at IS NULL AND a.sentiment_label IS NOT NULL
),
ranked AS (SELECT linked.*, {_RANK} FROM linked),
{_AGG}
UPDATE companies t SET {_SET}
FROM target LEFT JOIN agg ON agg.id = target.id
WHERE t.id = target.id AND {_CHANGED}
"""  # noqa: S608

_IDS = bindparam("ids", type_=ARRAY(Uuid()))


def _ids(values: Iterable[uuid.UUID | None]) -> list[uuid.UUID]:
    return sorted({v for v in values if v is not None})


async def refresh_contacts(session: AsyncSession, contact_ids: Iterable[uuid.UUID | None]) -> None:
    """Recompute the stored rollup of these contacts (one statement; unchanged rows are not written)."""
    ids = _ids(contact_ids)
    if ids:
        await session.execute(text(CONTACTS_SQL).bindparams(_IDS), {"ids": ids})


async def refresh_companies(session: AsyncSession, company_ids: Iterable[uuid.UUID | None]) -> None:
    """Recompute the stored rollup of these companies (one statement; unchanged rows are not written)."""
    ids = _ids(company_ids)
    if ids:
        await session.execute(text(COMPANIES_SQL).bindparams(_IDS), {"ids": ids})


async def companies_of(session: AsyncSession, contact_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    statement = text(
        "SELECT DISTINCT company_id FROM contacts WHERE id = ANY(:ids) AND company_id IS NOT NULL"
    )
    rows = await session.execute(statement.bindparams(_IDS), {"ids": _ids(contact_ids)})
    return list(rows.scalars())


async def refresh_for_activities(session: AsyncSession, activity_ids: Iterable[uuid.UUID]) -> None:
    """Refresh every record these activities count for: their contact, their company, the contact's."""
    ids = _ids(activity_ids)
    if not ids:
        return
    statement = text(
        "SELECT a.contact_id, a.company_id, c.company_id AS contact_company_id FROM activities a"
        " LEFT JOIN contacts c ON c.id = a.contact_id WHERE a.id = ANY(:ids)"
    )
    rows = (await session.execute(statement.bindparams(_IDS), {"ids": ids})).all()
    await refresh_contacts(session, (r.contact_id for r in rows))
    await refresh_companies(session, [*(r.company_id for r in rows), *(r.contact_company_id for r in rows)])


async def refresh_organization(session: AsyncSession) -> None:
    """Recompute every record of the session's organisation (repair; RLS scopes both statements)."""
    contacts = list((await session.execute(text("SELECT id FROM contacts"))).scalars())
    companies = list((await session.execute(text("SELECT id FROM companies"))).scalars())
    await refresh_contacts(session, contacts)
    await refresh_companies(session, companies)


# --- follow-ups (registered on import; crm.ai.tasks imports this module through crm.ai.sentiment) --


@on_change("activity")
async def activity_changed(session: AsyncSession, change: Change) -> None:
    # A text edit resets the activity's sentiment (crm.activity.tasks) and the sweep's store then
    # refreshes the records; here only what moves an analysed activity in or out of a record.
    relinked = change.verb == "updated" and (not change.fields or bool(change.fields & LINK_FIELDS))
    if change.verb in ("deleted", "restored", "erased") or relinked:
        await refresh_for_activities(session, change.ids)


@on_change("contact")
async def contact_changed(session: AsyncSession, change: Change) -> None:
    # A contact's activities count for its company only while the contact is live; a merge moves
    # the duplicate's activities to the survivor (both ids are in the change).
    if change.verb == "merged":
        await refresh_contacts(session, change.ids)
    if change.verb in ("deleted", "restored", "merged") or (
        change.verb == "updated" and (not change.fields or "company_id" in change.fields)
    ):
        await refresh_companies(session, await companies_of(session, change.ids))


@on_change("company")
async def company_changed(session: AsyncSession, change: Change) -> None:
    if change.verb == "merged":  # the duplicate's contacts and activities moved to the survivor
        await refresh_companies(session, change.ids)
