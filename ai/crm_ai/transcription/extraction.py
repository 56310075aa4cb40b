"""Proposed field updates from a transcript or note, by rules (no LLM): dates, amounts, next steps
and people mentioned. Every proposal carries the sentence it came from, for a person to accept or
reject; nothing is written to a record here.

Dates are resolved against a reference date (the recording's date): "tomorrow", "next Friday"
(the first Friday after it), "in two weeks", "end of the month", "March 3rd", "3 March", "the
15th", ISO and day-first numeric dates. A date becomes `expected_close_date` when its sentence talks
about signing or deciding, `next_activity_date` when it talks about a call, meeting or follow-up,
else `mentioned_date`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from crm_ai.sentiment.text import split_sentences

MAX_PER_FIELD = 5


@dataclass(frozen=True, slots=True)
class Proposal:
    field: str
    value: str | float
    evidence: str  # the sentence it came from
    rule: str
    currency: str | None = None
    contact_id: str | None = None


@dataclass(frozen=True, slots=True)
class KnownContact:
    id: str
    name: str


# --- numbers ------------------------------------------------------------------------------------

_UNITS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_SCALE = {"hundred": 100, "thousand": 1_000, "k": 1_000, "million": 1_000_000, "m": 1_000_000}
_NUMBER_WORD = "|".join([*_UNITS, *_TENS, "hundred", "thousand", "million", "and", "a"])


def words_to_number(text: str) -> float | None:
    """'twelve thousand five hundred' -> 12500; None if it is not a number in words."""
    total, current, seen = 0, 0, False
    for word in re.split(r"[\s-]+", text.lower().strip()):
        if word in ("and", "a") and seen:
            continue
        if word == "a":
            current, seen = 1, True
        elif word in _UNITS:
            current += _UNITS[word]
            seen = True
        elif word in _TENS:
            current += _TENS[word]
            seen = True
        elif word == "hundred" and seen:
            current *= 100
        elif word in ("thousand", "million") and seen:
            total += max(current, 1) * _SCALE[word]
            current = 0
        else:
            return None
    return float(total + current) if seen else None


# --- amounts ------------------------------------------------------------------------------------

_CURRENCY_SYMBOL = {"€": "EUR", "$": "USD", "£": "GBP"}
_CURRENCY_WORD = {
    "euro": "EUR",
    "euros": "EUR",
    "eur": "EUR",
    "dollar": "USD",
    "dollars": "USD",
    "usd": "USD",
    "pound": "GBP",
    "pounds": "GBP",
    "gbp": "GBP",
}
_NUM = r"\d{1,3}(?:[,.\s]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?"
_MULT = r"(?:\s?(?:k|m|thousand|million|mil)\b)?"
_AMOUNT_BEFORE = re.compile(rf"(?P<sym>[€$£])\s?(?P<num>{_NUM})(?P<mult>{_MULT})", re.IGNORECASE)
_AMOUNT_AFTER = re.compile(
    rf"\b(?P<num>{_NUM})(?P<mult>{_MULT})\s?(?P<cur>euros?|eur|dollars?|usd|pounds?|gbp)\b", re.IGNORECASE
)
_AMOUNT_WORDS = re.compile(
    rf"\b(?P<words>(?:(?:{_NUMBER_WORD})[\s-]+)*(?:{_NUMBER_WORD}))\s+(?P<cur>euros?|dollars?|pounds?)\b",
    re.IGNORECASE,
)


def _parse_number(num: str, mult: str) -> float | None:
    s = num.strip().replace(" ", "")
    # "12,000" / "12.000" are thousands; "12,5" / "12.50" are decimals.
    if re.fullmatch(r"\d{1,3}(?:[,.]\d{3})+", s):
        value = float(re.sub(r"[,.]", "", s))
    elif re.fullmatch(r"\d{1,3}(?:,\d{3})+\.\d{1,2}", s):
        value = float(s.replace(",", ""))
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d{1,2}", s):
        value = float(s.replace(".", "").replace(",", "."))
    else:
        try:
            value = float(s.replace(",", "."))
        except ValueError:
            return None
    m = mult.strip().lower()
    if m in ("k", "thousand", "mil"):
        value *= 1_000
    elif m in ("m", "million"):
        value *= 1_000_000
    return value


def find_amounts(sentence: str) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_AMOUNT_BEFORE, _AMOUNT_AFTER):
        for m in pattern.finditer(sentence):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            value = _parse_number(m.group("num"), m.group("mult") or "")
            cur = _CURRENCY_SYMBOL.get(m.groupdict().get("sym") or "") or _CURRENCY_WORD.get(
                (m.groupdict().get("cur") or "").lower(), ""
            )
            if value is not None and value > 0 and cur:
                out.append((value, cur))
                taken.append((m.start(), m.end()))
    for m in _AMOUNT_WORDS.finditer(sentence):
        if any(a < m.end() and m.start() < b for a, b in taken):
            continue
        value = words_to_number(m.group("words"))
        if value:
            out.append((value, _CURRENCY_WORD[m.group("cur").lower()]))
    return out


# --- dates --------------------------------------------------------------------------------------

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS.pop("may", None)
_MONTHS["may"] = 5
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MONTH_RE = "|".join(sorted((m for m in _MONTHS if len(m) > 3 or m == "may"), key=len, reverse=True))
_MONTH_RE += "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
_DAY_RE = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_COUNT = r"(?P<n>\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_DATE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"\b(?P<y>20\d\d)-(?P<mo>[01]?\d)-(?P<d>[0-3]?\d)\b")),
    ("numeric", re.compile(r"\b(?P<d>[0-3]?\d)/(?P<mo>[01]?\d)(?:/(?P<y>(?:20)?\d\d))?\b")),
    (
        "month_day",
        re.compile(rf"\b(?P<month>{_MONTH_RE})\.?\s+(?:the\s+)?{_DAY_RE}\b(?:,?\s+(?P<y>20\d\d))?", re.I),
    ),
    (
        "day_month",
        re.compile(
            rf"\b(?:the\s+)?{_DAY_RE}\s+(?:of\s+)?(?P<month>{_MONTH_RE})\b(?:,?\s+(?P<y>20\d\d))?", re.I
        ),
    ),
    (
        "weekday",
        re.compile(
            r"\b(?P<next>next\s+|this\s+|on\s+|by\s+)?(?P<wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
            re.I,
        ),
    ),
    ("relative_day", re.compile(r"\b(?P<rel>today|tonight|tomorrow|day after tomorrow)\b", re.I)),
    ("in_n", re.compile(rf"\bin\s+{_COUNT}\s+(?P<unit>days?|weeks?|months?)\b", re.I)),
    ("next_unit", re.compile(r"\bnext\s+(?P<unit>week|month)\b", re.I)),
    (
        "end_of",
        re.compile(r"\b(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(?P<unit>week|month|quarter|year)\b", re.I),
    ),
    ("ordinal_day", re.compile(r"\b(?:on|by|before|until)\s+the\s+(?P<day>[0-3]?\d)(?:st|nd|rd|th)\b", re.I)),
]
_COUNT_WORDS = {"a": 1, "an": 1} | {w: i for w, i in _UNITS.items()}

CLOSE_WORDS = re.compile(
    r"\b(sign|signed|signing|signature|close|closing|decision|decide|contract|go live|start date|"
    r"approv\w*)\b",
    re.I,
)
ACTIVITY_WORDS = re.compile(
    r"\b(call|meet|meeting|demo|visit|follow[- ]?up|appointment|catch up|talk|presentation|review|send|"
    r"quote|proposal)\b",
    re.I,
)


def _add_months(d: dt.date, n: int) -> dt.date:
    month = d.month - 1 + n
    year = d.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _upcoming(ref: dt.date, month: int, day: int, year: int | None) -> dt.date | None:
    if year is not None:
        return _safe_date(year, month, day)
    d = _safe_date(ref.year, month, day)
    if d is not None and d < ref:
        d = _safe_date(ref.year + 1, month, day)
    return d


def _resolve(kind: str, m: re.Match[str], ref: dt.date) -> dt.date | None:
    g = m.groupdict()
    if kind == "iso":
        return _safe_date(int(g["y"]), int(g["mo"]), int(g["d"]))
    if kind == "numeric":
        year = int(g["y"]) if g.get("y") else None
        if year is not None and year < 100:
            year += 2000
        return _upcoming(ref, int(g["mo"]), int(g["d"]), year) if 1 <= int(g["mo"]) <= 12 else None
    if kind in ("month_day", "day_month"):
        month = _MONTHS.get(g["month"].lower().rstrip("."), _MONTHS.get(g["month"].lower()[:3]))
        if month is None:
            return None
        return _upcoming(ref, month, int(g["day"]), int(g["y"]) if g.get("y") else None)
    if kind == "weekday":
        ahead = (_WEEKDAYS[g["wd"].lower()] - ref.weekday()) % 7 or 7
        return ref + dt.timedelta(days=ahead)
    if kind == "relative_day":
        rel = g["rel"].lower()
        return ref + dt.timedelta(days={"today": 0, "tonight": 0, "tomorrow": 1}.get(rel, 2))
    if kind == "in_n":
        n = int(g["n"]) if g["n"].isdigit() else _COUNT_WORDS[g["n"].lower()]
        unit = g["unit"].lower().rstrip("s")
        if unit == "month":
            return _add_months(ref, n)
        return ref + dt.timedelta(days=n * (7 if unit == "week" else 1))
    if kind == "next_unit":
        if g["unit"].lower() == "week":
            return ref + dt.timedelta(days=7 - ref.weekday())  # Monday of next week
        return _add_months(ref.replace(day=1), 1)
    if kind == "end_of":
        unit = g["unit"].lower()
        if unit == "week":
            return ref + dt.timedelta(days=(4 - ref.weekday()) % 7)  # Friday
        if unit == "month":
            return ref.replace(day=calendar.monthrange(ref.year, ref.month)[1])
        if unit == "quarter":
            last = ((ref.month - 1) // 3) * 3 + 3
            return dt.date(ref.year, last, calendar.monthrange(ref.year, last)[1])
        return dt.date(ref.year, 12, 31)
    if kind == "ordinal_day":
        day = int(g["day"])
        d = _safe_date(ref.year, ref.month, day)
        if d is None or d < ref:
            nxt = _add_months(ref.replace(day=1), 1)
            d = _safe_date(nxt.year, nxt.month, day)
        return d
    return None


def find_dates(sentence: str, ref: dt.date) -> list[tuple[dt.date, str]]:
    return [(d, kind) for d, kind, _ in find_dates_at(sentence, ref)]


def find_dates_at(sentence: str, ref: dt.date) -> list[tuple[dt.date, str, str]]:
    """(date, rule, the clause of the sentence it sits in)."""
    out: list[tuple[dt.date, str, str]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(sentence):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            d = _resolve(kind, m, ref)
            if d is not None:
                out.append((d, kind, _clause(sentence, m.start(), m.end())))
                taken.append((m.start(), m.end()))
    return out


_CLAUSE_BREAK = re.compile(r"[,;:]|\s(?:and|but|while|whereas)\s", re.I)


def _clause(sentence: str, start: int, end: int) -> str:
    """The clause around [start, end): "I'll send it Wednesday, and we sign by the 30th" has two."""
    left = 0
    right = len(sentence)
    for m in _CLAUSE_BREAK.finditer(sentence):
        if m.end() <= start:
            left = m.end()
        elif m.start() >= end:
            right = m.start()
            break
    return sentence[left:right]


def date_field(sentence: str) -> str:
    if CLOSE_WORDS.search(sentence):
        return "expected_close_date"
    if ACTIVITY_WORDS.search(sentence):
        return "next_activity_date"
    return "mentioned_date"


# --- next steps ---------------------------------------------------------------------------------

_NEXT_STEP = re.compile(
    r"\b(next steps?|action items?|we will|we'll|i will|i'll|you will|you'll|let's|let us|going to|"
    r"need to|follow[- ]?up|send (?:you|them|him|her|over|the|a)|schedule|set up|book|arrange|"
    r"get back to|call (?:you|them|him|her) back|to do)\b",
    re.I,
)
_NOT_A_STEP = re.compile(r"\b(did|didn't|was|were|had|last (?:week|month|time)|yesterday)\b", re.I)


# --- people -------------------------------------------------------------------------------------

_TITLE_NAME = re.compile(
    r"\b(?P<name>(?:Dr|Mr|Mrs|Ms|Miss|Prof)\.?\s+[A-Z][\w'\u2019-]+(?:\s+[A-Z][\w'\u2019-]+)?)"
)
_CUE_NAME = re.compile(
    r"\b(?:with|to|spoke to|talked to|call|email|ask|asked|tell|told|cc|met|meet|and)\s+"
    r"(?P<name>[A-Z][a-z'\u2019-]+(?:\s+[A-Z][a-z'\u2019-]+)?)"
)
_NOT_NAMES = frozenset(
    {*(m.capitalize() for m in _MONTHS), *(d.capitalize() for d in _WEEKDAYS)}
    | {
        "I",
        "We",
        "The",
        "This",
        "That",
        "Our",
        "Your",
        "They",
        "He",
        "She",
        "It",
        "Thanks",
        "Thank",
        "Hi",
        "Hello",
    }
    | {"Madrid", "Barcelona", "Valencia", "Lyon", "Paris", "London", "Spain", "France", "Europe", "Monday"}
    | {"Dr", "Mr", "Mrs", "Ms", "Miss", "Prof"}
    | {"Okay", "Ok", "Yes", "No", "So", "Also", "Then", "Next", "Great", "Sure", "Please", "EUR", "USD"}
)


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _fuzzy_contact(name: str, known: Sequence[KnownContact]) -> KnownContact | None:
    """A known contact whose name this one is probably a mis-hearing of: a very similar full name,
    or the same first name and a last name that starts alike ("Marta Rees" for Marta Ruiz) when only
    one of the record's contacts has that first name."""
    from difflib import SequenceMatcher

    said = _fold(name).split()
    if len(said) < 2:
        return None
    same_first = [c for c in known if _fold(c.name).split()[:1] == said[:1]]
    for contact in known:
        parts = _fold(contact.name).split()
        if len(parts) >= 2 and SequenceMatcher(None, " ".join(said), " ".join(parts)).ratio() >= 0.85:
            return contact
    if len(same_first) == 1:
        parts = _fold(same_first[0].name).split()
        last = SequenceMatcher(None, said[-1], parts[-1]).ratio() if len(parts) >= 2 else 0.0
        if len(parts) >= 2 and (last >= 0.5 or said[-1][0] == parts[-1][0]):
            return same_first[0]
    return None


def find_people(sentence: str, known: Sequence[KnownContact]) -> list[tuple[str, str | None, str]]:
    """(name, contact id if it is a known contact, rule)."""
    out: list[tuple[str, str | None, str]] = []
    folded = _fold(sentence)
    for contact in known:
        parts = [p for p in _fold(contact.name).split() if len(p) >= 3]
        full = _fold(contact.name)
        # The full name, or the last name alone (people say "Ruiz" or "Marta Ruiz", rarely just "Marta").
        if re.search(rf"\b{re.escape(full)}\b", folded) or (
            len(parts) >= 2 and re.search(rf"\b{re.escape(parts[-1])}\b", folded)
        ):
            out.append((contact.name, contact.id, "known_contact"))
    seen = {_fold(name) for name, _, _ in out}
    for pattern in (_TITLE_NAME, _CUE_NAME):
        for m in pattern.finditer(sentence):
            name = m.group("name").strip()
            words = name.split()
            while words and words[-1] in _NOT_NAMES:
                words.pop()
            if not words or (pattern is _CUE_NAME and words[0] in _NOT_NAMES):
                continue
            name = " ".join(words)
            key = _fold(name)
            bare = re.sub(r"^(dr|mr|mrs|ms|miss|prof)\.?\s+", "", key)
            if key in seen or any(bare in s or s in bare for s in seen):
                continue
            seen.add(key)
            match = _fuzzy_contact(name, known)
            if match is not None and all(cid != match.id for _, cid, _ in out):
                # Said or heard differently: the proposal names the contact, the evidence what was said.
                out.append((match.name, match.id, "known_contact_fuzzy"))
            else:
                out.append((name, None, "name_pattern"))
    return out


# --- all together -------------------------------------------------------------------------------


def extract(text: str, reference: dt.date, known: Sequence[KnownContact] = ()) -> list[Proposal]:
    proposals: list[Proposal] = []
    counts: dict[str, int] = {}

    def add(p: Proposal) -> None:
        key = (p.field, str(p.value), p.contact_id)
        if any((q.field, str(q.value), q.contact_id) == key for q in proposals):
            return
        if counts.get(p.field, 0) >= MAX_PER_FIELD:
            return
        counts[p.field] = counts.get(p.field, 0) + 1
        proposals.append(p)

    for sentence in split_sentences(text):
        for d, rule, clause in find_dates_at(sentence, reference):
            # The clause decides (send it Wednesday / sign by the 30th); the sentence if it says nothing.
            field = date_field(clause)
            if field == "mentioned_date":
                field = date_field(sentence)
            add(Proposal(field, d.isoformat(), sentence, f"date:{rule}"))
        for value, currency in find_amounts(sentence):
            add(Proposal("amount", value, sentence, "amount", currency=currency))
        if _NEXT_STEP.search(sentence) and not _NOT_A_STEP.search(sentence):
            add(Proposal("next_step", sentence[:300], sentence, "next_step"))
        for name, contact_id, rule in find_people(sentence, known):
            field = "contact_mentioned" if contact_id else "person_mentioned"
            add(Proposal(field, name, sentence, rule, contact_id=contact_id))
    return proposals
