"""Reciprocal rank fusion (Cormack, Clarke & Buettcher, 2009).

score(d) = sum over lists of weight / (k + rank of d in the list), ranks from 1; a document absent
from a list gets nothing from it. k = 60 is the paper's value: it keeps one list's top hit from
drowning documents that several lists agree on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

DEFAULT_K = 60


@dataclass(frozen=True, slots=True)
class RankedList:
    name: str
    ids: Sequence[str]
    weight: float = 1.0


@dataclass(slots=True)
class Fused:
    id: str
    score: float
    ranks: dict[str, int] = field(default_factory=dict)


def rrf(lists: Sequence[RankedList], k: int = DEFAULT_K, limit: int | None = None) -> list[Fused]:
    fused: dict[str, Fused] = {}
    for ranked in lists:
        seen: set[str] = set()
        rank = 0
        for doc in ranked.ids:
            if doc in seen:  # a list may repeat a document (several chunks of one record): first wins
                continue
            seen.add(doc)
            rank += 1
            entry = fused.setdefault(doc, Fused(doc, 0.0))
            entry.score += ranked.weight / (k + rank)
            entry.ranks[ranked.name] = rank
    # Ties: the better best rank first, then the id, so the order is deterministic.
    out = sorted(fused.values(), key=lambda f: (-f.score, min(f.ranks.values()), f.id))
    return out if limit is None else out[:limit]
