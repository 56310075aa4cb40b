"""Reciprocal rank fusion (Cormack, Clarke & Buettcher, 2009), exactly as the AI service's
``crm_ai.search.fusion.rrf`` and the search evaluation (``ai/evals/search_eval.py``) compute it, so
the recall the evaluation prints is the recall of this code: score(d) = sum of 1 / (k + rank),
ranks from 1, k = 60; a repeated id counts once per list; ties go to the better best rank, then id.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

DEFAULT_K = 60

T = TypeVar("T", bound=Hashable)


@dataclass(slots=True)
class Fused(Generic[T]):
    key: T
    score: float = 0.0
    ranks: dict[str, int] = field(default_factory=dict)


def rrf(lists: Sequence[tuple[str, Sequence[T]]], k: int = DEFAULT_K) -> list[Fused[T]]:
    fused: dict[T, Fused[T]] = {}
    for name, keys in lists:
        seen: set[T] = set()
        rank = 0
        for key in keys:
            if key in seen:
                continue
            seen.add(key)
            rank += 1
            entry = fused.setdefault(key, Fused(key))
            entry.score += 1.0 / (k + rank)
            entry.ranks[name] = rank
    return sorted(fused.values(), key=lambda f: (-f.score, min(f.ranks.values()), str(f.key)))
