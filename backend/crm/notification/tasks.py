"""Follow-ups that notify people: a record assigned to you by someone else.

Registered on import (this module is in ``crm.core.jobs.TASK_MODULES``, see ``crm.kit.followups``).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from crm.kit.followups import Change, on_change, runtime_of
from crm.models import Company, Contact, Deal, Lead
from crm.notification import repository, service
from crm.notification.service import NewNotification

# entity -> (model, how the notice names one record, plural noun)
ASSIGNABLE: dict[str, tuple[Any, Any, str]] = {
    "contact": (Contact, func.trim(func.concat(Contact.first_name, " ", Contact.last_name)), "contacts"),
    "company": (Company, Company.name, "companies"),
    "lead": (Lead, func.trim(func.concat(Lead.first_name, " ", Lead.last_name)), "leads"),
    "deal": (Deal, Deal.name, "deals"),
}


def _assigned(change: Change) -> bool:
    if change.verb == "created":
        return True
    return change.verb == "updated" and "owner_id" in change.fields


@on_change(*ASSIGNABLE)
async def notify_assignment(session: AsyncSession, change: Change) -> None:
    """Tell each new owner what they were given: one notice per person per change (a bulk
    reassignment of 200 deals is one notice saying so, not 200)."""
    if not _assigned(change):
        return
    model, label, plural = ASSIGNABLE[change.entity]
    rows = await repository.owned_records(session, model, label, change.ids, not_owner=change.actor_id)
    if not rows:
        return
    by_owner: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = defaultdict(list)
    for record_id, owner_id, name in rows:
        by_owner[owner_id].append((record_id, name))
    actor = await repository.full_name(session, change.actor_id) if change.actor_id else None
    by_whom = f" by {actor}" if actor else ""
    notices = []
    for owner_id, records in by_owner.items():
        if len(records) == 1:
            record_id, name = records[0]
            title = f"{change.entity.title()} {name or '(no name)'} was assigned to you{by_whom}"
            notices.append(NewNotification(owner_id, "assigned", title, None, change.entity, record_id))
        else:
            names = ", ".join(name or "(no name)" for _, name in records[:5])
            more = f" and {len(records) - 5} more" if len(records) > 5 else ""
            title = f"{len(records)} {plural} were assigned to you{by_whom}"
            notices.append(NewNotification(owner_id, "assigned", title, names + more, change.entity, None))
    await service.notify(session, runtime_of(session), notices)
