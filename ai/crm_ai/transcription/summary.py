"""Extractive summary (no LLM): the most central sentences of the text, in their original order.

Centrality is the mean cosine similarity of a sentence's MiniLM embedding to the others (degree
centrality, as in LexRank); sentences that carry a proposed field update (a date, an amount, a next
step) get a bonus, since those are what a rep needs from a call. Near-duplicates are skipped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from crm_ai.embeddings.encoder import Encoder
from crm_ai.sentiment.text import split_sentences

METHOD = "extractive-centrality-minilm"
KEY_BONUS = 0.15
DUPLICATE = 0.9
MIN_WORDS = 4


@dataclass(frozen=True, slots=True)
class Summary:
    sentences: list[str]
    method: str = METHOD

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def summarize(
    text: str, encoder: Encoder, key_sentences: set[str] | None = None, max_sentences: int = 5
) -> Summary:
    sentences = split_sentences(text)
    # Fillers ("Okay.", "Thank you.") carry nothing for a summary.
    candidates = [s for s in sentences if len(s.split()) >= MIN_WORDS] or sentences
    # A quarter of the sentences, at least two once there are more than two, at most max_sentences.
    k = min(max_sentences, max(2, math.ceil(len(candidates) * 0.25)))
    if len(candidates) <= k:
        return Summary(candidates)
    vectors = encoder.encode(candidates)
    sim = vectors @ vectors.T
    np.fill_diagonal(sim, 0.0)
    score = sim.sum(axis=1) / (len(candidates) - 1)
    keys = key_sentences or set()
    score += np.array([KEY_BONUS if s in keys else 0.0 for s in candidates])
    chosen: list[int] = []
    for i in np.argsort(-score):
        if all(sim[i, j] < DUPLICATE for j in chosen):
            chosen.append(int(i))
        if len(chosen) == k:
            break
    return Summary([candidates[i] for i in sorted(chosen)])
