"""Activity jobs and follow-ups: reminders delivered once, sentiment re-read when the text changes.

Reminders: every minute, each organisation with a reminder due (``reminder_at``, or ``due_at`` for
a task without one) gets its reminders claimed by one atomic UPDATE ... RETURNING (``SKIP LOCKED``,
so two workers never deliver the same one) and delivered to the owner in the same transaction: an
in-app notification and an e-mail through the outbox. Changing ``reminder_at`` or ``due_at`` re-arms
the reminder. The follow-ups here register on import (this module is in ``TASK_MODULES``).
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from crm.activity import repository
from crm.activity.repository import DueReminder
from crm.ai.tasks import request_activity_sentiment
from crm.core import jobs
from crm.core.db import unit_of_work
from crm.core.runtime import Runtime, get_runtime
from crm.kit.followups import Change, on_change
from crm.messaging.service import queue_email
from crm.notification import service as notifications
from crm.notification.service import NewNotification

log = logging.getLogger(__name__)

TEXT_FIELDS = frozenset({"subject", "body"})
REMINDER_FIELDS = frozenset({"reminder_at", "due_at"})
BATCH = 200  # reminders claimed per transaction


# --- follow-ups -----------------------------------------------------------------------------------


@on_change("activity")
async def activity_changed(session: AsyncSession, change: Change) -> None:
    unknown = not change.fields
    text_changed = change.verb == "updated" and (unknown or bool(change.fields & TEXT_FIELDS))
    if change.verb == "updated" and (unknown or change.fields & REMINDER_FIELDS):
        await repository.rearm_reminders(session, change.ids)
    if text_changed:
        await repository.reset_sentiment(session, change.ids)
    if (change.verb == "created" or text_changed) and await repository.any_analysable(session, change.ids):
        await request_activity_sentiment(session, change.organization_id)


# --- reminders ------------------------------------------------------------------------------------


def _label(reminder: DueReminder) -> str:
    return reminder.subject or f"Your {reminder.kind}"


def _notice(reminder: DueReminder) -> NewNotification:
    when = reminder.due_at or reminder.remind_at
    body = f"{reminder.kind.title()} due {when:%Y-%m-%d %H:%M} UTC" if reminder.due_at else None
    return NewNotification(
        reminder.owner_id, "reminder", f"Reminder: {_label(reminder)}", body, "activity", reminder.id
    )


async def deliver_batch(session: AsyncSession, runtime: Runtime) -> int:
    """Claim and deliver up to ``BATCH`` due reminders of the session's organisation."""
    claimed = await repository.claim_due_reminders(session, BATCH)
    if not claimed:
        return 0
    await notifications.notify(session, runtime, [_notice(r) for r in claimed])
    for reminder in claimed:
        if reminder.owner_email:
            text = f"Reminder: {_label(reminder)}\n\n"
            if reminder.due_at:
                text += f"Due {reminder.due_at:%Y-%m-%d %H:%M} UTC.\n"
            subject = f"Reminder: {_label(reminder)}".replace("\r", " ").replace("\n", " ")[:200]
            await queue_email(session, reminder.owner_email, subject, text)
    return len(claimed)


async def deliver_organization(runtime: Runtime, organization_id: uuid.UUID) -> int:
    delivered = 0
    while True:
        async with unit_of_work(runtime.sessions, organization_id) as session:
            count = await deliver_batch(session, runtime)
        delivered += count
        if count < BATCH:
            return delivered


async def deliver_due_reminders(runtime: Runtime) -> int:
    async with unit_of_work(runtime.sessions) as session:
        organizations = await repository.organizations_with_due_reminders(session)
    delivered = 0
    for organization_id in organizations:
        try:
            delivered += await deliver_organization(runtime, organization_id)
        except Exception:
            # One organisation's failure (its claim rolled back) must not hold up the others;
            # its reminders stay due and the next minute tries again.
            log.exception("reminder delivery failed", extra={"organization_id": str(organization_id)})
    return delivered


@jobs.app.periodic(cron="* * * * *", periodic_id="deliver_reminders")
@jobs.app.task(name="activity.deliver_reminders", queueing_lock="deliver_reminders")
async def deliver_reminders(timestamp: int) -> None:
    """Every minute: deliver the reminders that fell due."""
    delivered = await deliver_due_reminders(get_runtime())
    if delivered:
        log.info("reminders delivered", extra={"delivered": delivered})


__all__ = ["activity_changed", "deliver_reminders"]
