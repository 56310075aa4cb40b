"""Next-best actions for deals and contacts: written rules over the facts the backend sends, each
action with its reason and the signals it read, highest priority first. No model, so every
suggestion can be explained in one sentence and checked by the person who gets it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crm_ai.personalization.schemas import ContactFacts, DealFacts

VERSION = "nba-rules-v1"
HOT_LEAD = 70
QUIET_HOT_DAYS = 7
STALE_DEAL_DAYS = 14
COLD_CONTACT_DAYS = 60
BIG_DEAL = 50_000


@dataclass(frozen=True, slots=True)
class Action:
    action: str
    priority: int
    channel: str
    due_in_days: int
    reason: str
    signals: dict[str, Any] = field(default_factory=dict)


def _pct(p: float) -> str:
    return f"{p:.0%}"


def deal_actions(d: DealFacts) -> list[Action]:
    out: list[Action] = []
    big = d.amount is not None and d.amount >= BIG_DEAL
    if d.last_sentiment == "negative":
        out.append(
            Action(
                "address_concern",
                95 if big else 90,
                "call",
                0,
                "The latest message on this deal reads negative: "
                "call to hear the concern before it grows" + (" (a large deal)." if big else "."),
                {"last_sentiment": d.last_sentiment, "amount": d.amount},
            )
        )
    if d.days_to_close is not None and d.days_to_close < 0:
        out.append(
            Action(
                "rescue_deal",
                88,
                "call",
                0,
                f"The expected close date passed {-d.days_to_close} days ago at stage {d.stage}: "
                "agree a new date and the next step with the buyer, or close it as lost.",
                {"days_to_close": d.days_to_close, "stage": d.stage},
            )
        )
    elif d.close_slippage_days >= 30:
        out.append(
            Action(
                "rescue_deal",
                80,
                "call",
                1,
                f"The close date has moved {d.close_slippage_days} days: "
                "find out what is blocking the decision.",
                {"close_slippage_days": d.close_slippage_days},
            )
        )
    days = d.days_since_last_activity
    if days is None or days >= STALE_DEAL_DAYS:
        late = d.stage_probability >= 0.5
        quiet = "No activity has ever been logged" if days is None else f"No activity for {days} days"
        out.append(
            Action(
                "re_engage",
                78 if late else 65,
                "call" if late else "email",
                1 if late else 3,
                f"{quiet} on a deal at {d.stage} ({_pct(d.stage_probability)}): "
                + ("call the buyer." if late else "send a useful follow-up."),
                {"days_since_last_activity": days, "stage_probability": d.stage_probability},
            )
        )
    if (
        d.days_to_close is not None
        and 0 <= d.days_to_close <= 14
        and not d.upcoming_meeting
        and d.stage_probability >= 0.5
    ):
        out.append(
            Action(
                "schedule_meeting",
                75,
                "meeting",
                2,
                f"Expected to close in {d.days_to_close} days and no meeting is booked: "
                "propose a closing call.",
                {"days_to_close": d.days_to_close, "upcoming_meeting": d.upcoming_meeting},
            )
        )
    if d.decision_maker_engaged is False and d.stage_probability >= 0.5:
        out.append(
            Action(
                "engage_decision_maker",
                70,
                "meeting",
                5,
                f"The deal is at {d.stage} but the decision maker has not been involved yet.",
                {"decision_maker_engaged": False, "stage_probability": d.stage_probability},
            )
        )
    if d.win_probability is not None and d.win_probability < d.stage_probability - 0.15:
        out.append(
            Action(
                "review_risk",
                68,
                "task",
                3,
                f"Forecast win probability {_pct(d.win_probability)} is well below the stage's "
                f"{_pct(d.stage_probability)}: review the risks in the forecast's reasons.",
                {"win_probability": d.win_probability, "stage_probability": d.stage_probability},
            )
        )
    if d.overdue_tasks:
        out.append(
            Action(
                "complete_overdue_tasks",
                60,
                "task",
                0,
                f"{d.overdue_tasks} task(s) on this deal are overdue.",
                {"overdue_tasks": d.overdue_tasks},
            )
        )
    if not out:
        out.append(Action("keep_cadence", 10, "none", 7, "On track: nothing needs attention now.", {}))
    return out


def contact_actions(c: ContactFacts) -> list[Action]:
    out: list[Action] = []
    days = c.days_since_last_activity
    if c.last_sentiment == "negative":
        out.append(
            Action(
                "address_concern",
                90 if c.is_customer else 80,
                "call",
                0,
                "The latest message from this contact reads negative: call to resolve it"
                + (" before it costs a customer." if c.is_customer else "."),
                {"last_sentiment": c.last_sentiment, "is_customer": c.is_customer},
            )
        )
    if c.lead_score is not None and c.lead_score >= HOT_LEAD and (days is None or days >= QUIET_HOT_DAYS):
        quiet = "no contact yet" if days is None else f"no contact for {days} days"
        out.append(
            Action(
                "follow_up",
                88,
                "call",
                0,
                f"Lead score {c.lead_score:.0f} but {quiet}: hot leads cool quickly.",
                {"lead_score": c.lead_score, "days_since_last_activity": days},
            )
        )
    engagement = c.email_opens_14d + c.email_clicks_14d + c.web_visits_14d
    if engagement >= 5 and c.open_deals == 0:
        out.append(
            Action(
                "qualify_opportunity",
                75,
                "call",
                2,
                f"{engagement} opens, clicks and visits in 14 days and no open deal: qualify the interest.",
                {
                    "email_opens_14d": c.email_opens_14d,
                    "email_clicks_14d": c.email_clicks_14d,
                    "web_visits_14d": c.web_visits_14d,
                    "open_deals": c.open_deals,
                },
            )
        )
    if c.is_customer and c.last_sentiment == "positive" and c.open_deals == 0:
        out.append(
            Action(
                "ask_for_referral",
                50,
                "email",
                7,
                "A happy customer with no open deal: ask for a review or an introduction.",
                {"is_customer": True, "last_sentiment": "positive"},
            )
        )
    if days is not None and days >= COLD_CONTACT_DAYS and not out:
        out.append(
            Action(
                "re_engage",
                40,
                "email",
                7,
                f"No contact for {days} days: send something useful for the season.",
                {"days_since_last_activity": days},
            )
        )
    out = [kept for a in out if (kept := _respect_consent(a, c)) is not None]
    if not out:
        out.append(Action("keep_cadence", 10, "none", 14, "Nothing needs attention now.", {}))
    return out


def _respect_consent(action: Action, c: ContactFacts) -> Action | None:
    if action.channel != "email" or not c.email_opt_out:
        return action
    if not c.has_phone:
        return None
    return Action(
        action.action,
        action.priority,
        "call",
        action.due_in_days,
        action.reason + " (Opted out of e-mail: call instead.)",
        {**action.signals, "email_opt_out": True},
    )


def top(actions: list[Action], n: int) -> list[Action]:
    return sorted(actions, key=lambda a: -a.priority)[:n]
