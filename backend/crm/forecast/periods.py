"""Calendar periods of a forecast (months or quarters, UTC) and their labels (2026-07, 2026-Q3):
the same labels the AI service's time series continues from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date
    end: dt.date  # first day after the period

    def holds(self, day: dt.date) -> bool:
        return self.start <= day < self.end


def _months(kind: str) -> int:
    return 3 if kind == "quarter" else 1


def _shift(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_of(day: dt.date, kind: str) -> Period:
    step = _months(kind)
    start = dt.date(day.year, ((day.month - 1) // step) * step + 1, 1)
    label = f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}" if kind == "quarter" else f"{start:%Y-%m}"
    return Period(label, start, _shift(start, step))


def following(first: Period, kind: str, count: int) -> list[Period]:
    """``first`` and the ``count - 1`` periods after it."""
    out = [first]
    while len(out) < count:
        out.append(period_of(out[-1].end, kind))
    return out


def preceding(current: Period, kind: str, count: int) -> list[Period]:
    """The ``count`` periods before ``current``, oldest first."""
    out: list[Period] = []
    start = current.start
    for _ in range(count):
        previous = period_of(_shift(start, -_months(kind)), kind)
        out.append(previous)
        start = previous.start
    return out[::-1]
