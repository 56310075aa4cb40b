"""What a transcript (or any long note) gives a rep: sentiment, an extractive summary and proposed
field updates, with each proposal placed in the recording when there are segments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from crm_ai.embeddings.encoder import Encoder
from crm_ai.sentiment.schemas import DriverOut
from crm_ai.sentiment.service import SentimentService
from crm_ai.transcription.engine import Segment
from crm_ai.transcription.extraction import KnownContact, extract
from crm_ai.transcription.schemas import (
    AnalysisOut,
    ProposalOut,
    SentimentSummaryOut,
    SummaryOut,
)
from crm_ai.transcription.summary import summarize


def analyze(
    text: str,
    *,
    sentiment: SentimentService,
    encoder: Encoder,
    reference: dt.date | None = None,
    known: Sequence[KnownContact] = (),
    segments: Sequence[Segment] = (),
) -> AnalysisOut:
    reference = reference or dt.datetime.now(dt.UTC).date()
    proposals = extract(text, reference, known)
    summary = summarize(text, encoder, key_sentences={p.evidence for p in proposals})
    (result,) = sentiment.analyze([text])
    starts = _sentence_starts(text, segments)
    return AnalysisOut(
        sentiment=SentimentSummaryOut(
            model=sentiment.default,
            model_version=sentiment.version(sentiment.default),
            label=result.label,
            score=result.score,
            confidence=result.confidence,
            drivers=[DriverOut(text=d.text, label=d.label, score=d.score) for d in result.drivers],
        ),
        summary=SummaryOut(method=summary.method, sentences=summary.sentences, text=summary.text),
        proposed_updates=[
            ProposalOut(
                field=p.field,
                value=p.value,
                currency=p.currency,
                contact_id=p.contact_id,
                evidence=p.evidence,
                rule=p.rule,
                at_seconds=starts(p.evidence),
            )
            for p in proposals
        ],
    )


def _sentence_starts(text: str, segments: Sequence[Segment]) -> Callable[[str], float | None]:
    """A function from a sentence of `text` to the start time of the segment it begins in."""
    offsets: list[tuple[int, float]] = []
    position = 0
    for seg in segments:
        found = text.find(seg.text, position)
        if found >= 0:
            offsets.append((found, seg.start))
            position = found + len(seg.text)

    def start_of(sentence: str) -> float | None:
        if not offsets:
            return None
        at = text.find(sentence)
        if at < 0:
            return None
        best = None
        for offset, start in offsets:
            if offset <= at:
                best = start
        return best

    return start_of
