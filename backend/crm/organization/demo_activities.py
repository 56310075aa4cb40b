"""Demo activities: the calls, e-mails, meetings, notes and tasks behind the leads, deals and people.

A lead's logged touches are exactly the engagement its propensity counted. Notes take their
tone from how things went (mostly upbeat on won deals and converted leads, mostly sour or
sarcastic on lost ones, mixed on open ones). Open deals and leads carry next-step tasks, some
overdue; closed ones have their tasks completed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from crm.organization import demo_corpus as corpus
from crm.organization.demo_corpus import Sentiment
from crm.organization.demo_data import Row

if TYPE_CHECKING:
    from crm.organization.demo_data import Builder

MOOD: dict[str, dict[str, int]] = {
    "good": {"positive": 60, "neutral": 28, "negative": 8, "sarcastic": 4},
    "bad": {"positive": 8, "neutral": 30, "negative": 42, "sarcastic": 20},
    "open": {"positive": 32, "neutral": 48, "negative": 12, "sarcastic": 8},
    "won": {"positive": 1},
    "lost": {"negative": 65, "sarcastic": 35},
}


class Writer:
    def __init__(self, b: Builder) -> None:
        self.b = b
        self.count = 0

    def text(self, templates: tuple[str, ...], context: dict[str, str | None]) -> str:
        if context.get("company"):
            usable = list(templates)
        else:
            usable = [t for t in templates if "{company}" not in t and not corpus.CORPORATE_ONLY.search(t)]
        values = {"day": self.b.rng.choice(corpus.WEEKDAYS), **{k: v or "" for k, v in context.items()}}
        return self.b.rng.choice(usable).format(**values)

    def note_text(self, mood: str, context: dict[str, str | None]) -> str:
        sentiment: Sentiment = self.b.pick(MOOD[mood])  # type: ignore[assignment]
        return self.text(corpus.NOTES[sentiment], context)

    def add(self, kind: str, at: dt.datetime, links: dict[str, Any], **values: Any) -> Row:
        row: Row = {
            "id": self.b.id("activity", self.count),
            "kind": kind,
            "subject": None,
            "body": None,
            "occurred_at": at,
            "due_at": None,
            "reminder_at": None,
            "completed_at": None,
            "duration_minutes": None,
            "owner_id": None,
            "contact_id": None,
            "company_id": None,
            "lead_id": None,
            "deal_id": None,
            "created_at": at,
            "updated_at": at,
        }
        row.update(links)
        row.update(values)
        if row["completed_at"] is not None:
            row["updated_at"] = row["completed_at"]
        self.count += 1
        self.b.plan.activities.append(row)
        return row

    def touch(
        self, at: dt.datetime, links: dict[str, Any], mood: str, context: dict[str, str | None]
    ) -> None:
        kind = self.b.pick({"call": 42, "email": 33, "meeting": 25})
        if kind == "call":
            self.add(
                "call",
                at,
                links,
                subject=self.text(corpus.CALL_SUBJECTS, context),
                body=self.note_text(mood, context),
                duration_minutes=self.b.rng.choice((5, 10, 15, 20, 30, 45)),
            )
        elif kind == "meeting":
            self.add(
                "meeting",
                at,
                links,
                subject=self.text(corpus.MEETING_SUBJECTS, context),
                body=self.note_text(mood, context),
                duration_minutes=self.b.rng.choice((30, 45, 60, 90)),
            )
        else:
            self.add(
                "email",
                at,
                links,
                subject=self.text(corpus.EMAIL_SUBJECTS, context),
                body=self.text(corpus.NOTES["neutral"], context),
            )

    def note(self, at: dt.datetime, links: dict[str, Any], mood: str, context: dict[str, str | None]) -> None:
        self.add("note", at, links, body=self.note_text(mood, context))

    def task(
        self, created: dt.datetime, due: dt.datetime, links: dict[str, Any], context: dict[str, str | None]
    ) -> None:
        now = self.b.now
        done = due < now and self.b.rng.random() < 0.55
        self.add(
            "task",
            min(created, now, due - dt.timedelta(days=1)),
            links,
            subject=self.text(corpus.TASKS, context),
            due_at=due,
            reminder_at=due - dt.timedelta(hours=2) if self.b.rng.random() < 0.6 else None,
            completed_at=self.b.moment(min(created, due), min(due + dt.timedelta(days=2), now))
            if done
            else None,
        )

    def closed_task(self, at: dt.datetime, links: dict[str, Any], context: dict[str, str | None]) -> None:
        self.add(
            "task",
            at - dt.timedelta(days=3),
            links,
            subject=self.text(corpus.TASKS, context),
            due_at=at,
            completed_at=at,
        )


def add_activities(b: Builder) -> None:
    w = Writer(b)
    _leads(b, w)
    _deals(b, w)
    _people(b, w)
    _companies(b, w)


def _leads(b: Builder, w: Writer) -> None:
    for lead in b.plan.leads:
        info = b.plan.info[lead["id"]]
        company = info["company"]
        context = {
            "first": lead["first_name"],
            "company": company["name"] if company else None,
            "topic": b.rng.choice(corpus.TOPICS_CORPORATE if company else corpus.TOPICS_PATIENT),
        }
        end = info["resolved_at"] or b.now
        mood = {"converted": "good", "lost": "bad"}.get(lead["status"], "open")
        links = {"lead_id": lead["id"], "owner_id": lead["owner_id"]}
        for _ in range(info["touches"]):
            w.touch(b.moment(lead["created_at"], end), links, mood, context)
        if lead["status"] == "lost":
            w.note(end, links, "lost", context)
            last = w.b.plan.activities[-1]
            last["body"] = f"Lost: {lead['lost_reason']}. {last['body']}"
        elif lead["status"] == "converted":
            w.add("note", end, links, body=f"Converted. {w.note_text('won', context)}")
        elif b.rng.random() < 0.7:
            due = b.now + dt.timedelta(days=b.rng.uniform(-9, 12))
            w.task(b.moment(lead["created_at"], b.now), due, links, context)


def _deals(b: Builder, w: Writer) -> None:
    for deal in b.plan.deals:
        info = b.plan.info[deal["id"]]
        contact, company = info["contact"], info["company"]
        context = {
            "first": contact["first_name"],
            "company": company["name"] if company else None,
            "topic": info["topic"],
        }
        links = {
            "deal_id": deal["id"],
            "contact_id": contact["id"],
            "company_id": company["id"] if company else None,
            "owner_id": deal["owner_id"],
        }
        end = deal["closed_at"] or b.now
        mood = {"won": "good", "lost": "bad"}.get(deal["status"], "open")
        for _ in range(b.rng.randint(2, 6)):
            at = b.moment(deal["created_at"], end)
            if b.rng.random() < 0.4:
                w.note(at, links, mood, context)
            else:
                w.touch(at, links, mood, context)
        if deal["status"] == "open":
            for _ in range(b.rng.choice((1, 1, 2))):
                due = b.now + dt.timedelta(days=b.rng.uniform(-12, 15))
                w.task(b.moment(deal["created_at"], b.now), due, links, context)
        else:
            w.closed_task(end, links, context)
            if deal["status"] == "lost":
                w.note(end, links, "lost", context)
                last = b.plan.activities[-1]
                last["body"] = f"Closed lost ({deal['lost_reason']}). {last['body']}"


def _people(b: Builder, w: Writer) -> None:
    with_deals = {link["contact_id"] for link in b.plan.deal_contacts}
    for contact in b.plan.contacts:
        if contact["id"] in with_deals or b.rng.random() > 0.5:
            continue
        patient = contact["company_id"] is None
        context = {
            "first": contact["first_name"],
            "company": contact["company_name"],
            "topic": b.rng.choice(corpus.TOPICS_PATIENT if patient else corpus.TOPICS_CORPORATE),
        }
        links = {
            "contact_id": contact["id"],
            "company_id": contact["company_id"],
            "owner_id": contact["owner_id"],
        }
        for _ in range(b.rng.randint(1, 2)):
            at = b.moment(contact["created_at"], b.now)
            if patient and b.rng.random() < 0.5:
                w.add(
                    "meeting",
                    at,
                    links,
                    subject=f"Consultation: {context['topic']}",
                    body=w.note_text("open", context),
                    duration_minutes=30,
                )
            elif b.rng.random() < 0.5:
                w.note(at, links, "open", context)
            else:
                w.touch(at, links, "open", context)
        if b.rng.random() < 0.15:
            due = b.now + dt.timedelta(days=b.rng.uniform(-6, 20))
            w.task(b.moment(contact["created_at"], b.now), due, links, context)


def _companies(b: Builder, w: Writer) -> None:
    for company in b.plan.companies:
        if b.rng.random() > 0.7:
            continue
        people = [c for c in b.plan.contacts if c["company_id"] == company["id"]]
        context = {
            "first": people[0]["first_name"] if people else "the team",
            "company": company["name"],
            "topic": b.rng.choice(corpus.TOPICS_CORPORATE),
        }
        links = {"company_id": company["id"], "owner_id": company["owner_id"]}
        for _ in range(b.rng.randint(1, 3)):
            at = b.moment(company["created_at"], b.now)
            if b.rng.random() < 0.5:
                w.add(
                    "meeting",
                    at,
                    links,
                    subject=f"Quarterly business review with {company['name']}",
                    body=w.note_text("open", context),
                    duration_minutes=60,
                )
            else:
                w.note(at, links, "open", context)
