"""The backend's full-text ranker, reproduced offline for the search evaluation.

``crm.search.service`` asks PostgreSQL ``to_tsquery('simple', 'w1 | w2 | … | wn:*')`` — the query's
words minus a short stop list, OR-ed, the last one as a prefix — and orders by ``ts_rank_cd``. With
the 'simple' configuration a document's lexemes are its lower-cased words (no stemming), and for an
OR query every occurrence of a query word is a cover of length one, so ``ts_rank_cd`` (no
normalisation, default weight 0.1) is 0.1 x the number of occurrences. This module computes exactly
that, so the evaluation's fused ranking is the backend's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Kept equal to crm.search.service.STOP_WORDS.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "this",
        "to",
        "was",
        "were",
        "will",
        "with",
        "who",
        "which",
        "what",
        "where",
        "when",
    ]
)
_WORD = re.compile(r"[^\W_]+")


def query_terms(q: str) -> tuple[list[str], bool]:
    """(words, last-word-is-prefix), as the backend builds its tsquery."""
    words = [w for w in dict.fromkeys(_WORD.findall(q.lower())) if w not in STOP_WORDS][:16]
    return words, bool(words) and q[-1:].isalnum()


class PgSimpleFullText:
    def __init__(self, docs: Sequence[str]) -> None:
        self.docs = [_WORD.findall(d.lower()) for d in docs]

    def scores(self, q: str) -> list[float]:
        words, prefix = query_terms(q)
        if not words:
            return [0.0] * len(self.docs)
        exact = set(words[:-1]) if prefix else set(words)
        last = words[-1] if prefix else None
        out = []
        for tokens in self.docs:
            hits = sum(1 for t in tokens if t in exact or (last is not None and t.startswith(last)))
            out.append(0.1 * hits)
        return out

    def top(self, q: str, n: int) -> list[int]:
        """Matching documents, best first; ties by position (the backend breaks them by id)."""
        scores = self.scores(q)
        order = sorted(range(len(scores)), key=lambda i: -scores[i])
        return [i for i in order[:n] if scores[i] > 0]
