"""Sentence splitting good enough for CRM messages (notes, emails, chats, transcripts)."""

from __future__ import annotations

import re

# Split after . ! ? (and runs of them, closing quotes/brackets) followed by space, or at line breaks;
# keep common abbreviations whole so "Dr. Lind" stays one sentence.
_ABBREVIATIONS = ("dr", "mr", "mrs", "ms", "prof", "st", "e.g", "i.e", "etc", "vs", "approx")
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")


def split_sentences(text: str, max_sentences: int = 200) -> list[str]:
    pieces = [p.strip() for p in _BOUNDARY.split(text)]
    sentences: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        if sentences and _ends_with_abbreviation(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    if len(sentences) > max_sentences:
        # Very long transcripts: keep the cost bounded by merging the tail into the last sentence.
        head, tail = sentences[: max_sentences - 1], sentences[max_sentences - 1 :]
        sentences = [*head, " ".join(tail)]
    return sentences or [text.strip()]


def _ends_with_abbreviation(sentence: str) -> bool:
    last = sentence.rsplit(" ", 1)[-1].rstrip(".").lower()
    return sentence.endswith(".") and last in _ABBREVIATIONS
