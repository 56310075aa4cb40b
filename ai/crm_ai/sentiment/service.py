"""Sentiment of CRM texts: label, signed score, confidence and the sentences that drove it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crm_ai.embeddings.encoder import Encoder
from crm_ai.sentiment.models import (
    LABELS,
    EmbeddingLRModel,
    Floats,
    VaderModel,
    artifact_path_for,
    load_artifact,
)
from crm_ai.sentiment.text import split_sentences

MAX_DRIVERS = 3
# Past this length MiniLM truncates (256 word pieces), so a long text is judged by its sentences.
WHOLE_TEXT_MAX_CHARS = 800


@dataclass(frozen=True, slots=True)
class Driver:
    text: str
    label: str
    score: float


@dataclass(frozen=True, slots=True)
class Sentiment:
    label: str
    score: float  # P(positive) - P(negative) for the classifier; VADER's compound for VADER
    confidence: float
    drivers: list[Driver]


class SentimentService:
    def __init__(self, vader: VaderModel, classifier: EmbeddingLRModel | None, default: str) -> None:
        self.vader = vader
        self.classifier = classifier
        self.models: dict[str, VaderModel | EmbeddingLRModel] = {"vader": vader}
        if classifier is not None:
            self.models[classifier.name] = classifier
        if default not in self.models:
            raise ValueError(f"default sentiment model {default!r} is not available")
        self.default = default

    def version(self, model: str) -> str:
        return self.models[model].version

    def analyze(self, texts: list[str], model: str | None = None) -> list[Sentiment]:
        name = model or self.default
        if name == "vader":
            return [self._vader_one(t) for t in texts]
        assert self.classifier is not None
        return self._classify(texts, self.classifier)

    # --- VADER -----------------------------------------------------------------------------------

    def _vader_one(self, text: str) -> Sentiment:
        compound = float(self.vader.compound([text])[0])
        label = _vader_label(compound)
        sentences = split_sentences(text)
        per_sentence = self.vader.compound(sentences) if len(sentences) > 1 else np.array([compound])
        drivers = _pick_drivers(sentences, per_sentence, label, vader=True)
        return Sentiment(label, round(compound, 4), 1.0, drivers)

    # --- classifier ------------------------------------------------------------------------------

    def _classify(self, texts: list[str], clf: EmbeddingLRModel) -> list[Sentiment]:
        # One encoder call for the whole batch: every text and every sentence of multi-sentence texts.
        splits = [split_sentences(t) for t in texts]
        batch: list[str] = []
        spans: list[tuple[int, int, int]] = []  # (whole-text row, first sentence row, n sentences)
        for text, sentences in zip(texts, splits, strict=True):
            whole = len(batch)
            batch.append(text)
            if len(sentences) > 1:
                spans.append((whole, len(batch), len(sentences)))
                batch.extend(sentences)
            else:
                spans.append((whole, whole, 1))
        proba = clf.probabilities(batch)
        results = []
        for text, sentences, (whole, first, n) in zip(texts, splits, spans, strict=True):
            sentence_proba = proba[first : first + n]
            if len(text) > WHOLE_TEXT_MAX_CHARS and n > 1:
                weights = np.array([len(s) for s in sentences], dtype=np.float64)
                doc = (sentence_proba * weights[:, None]).sum(axis=0) / weights.sum()
            else:
                doc = proba[whole]
            label = LABELS[int(np.argmax(doc))]
            signed = sentence_proba[:, 2] - sentence_proba[:, 0]
            drivers = _pick_drivers(sentences, signed, label, vader=False, proba=sentence_proba)
            results.append(
                Sentiment(label, round(float(doc[2] - doc[0]), 4), round(float(doc.max()), 4), drivers)
            )
        return results


def _vader_label(compound: float) -> str:
    if compound >= VaderModel.threshold:
        return "positive"
    if compound <= -VaderModel.threshold:
        return "negative"
    return "neutral"


def _pick_drivers(
    sentences: list[str], signed: Floats, label: str, *, vader: bool, proba: Floats | None = None
) -> list[Driver]:
    """The sentences that pushed the text towards its label, strongest first."""
    if label == "positive":
        order = np.argsort(-signed)
    elif label == "negative":
        order = np.argsort(signed)
    else:
        order = np.argsort(np.abs(signed))
    out = []
    for i in order:
        s_label = (
            _vader_label(float(signed[i])) if vader or proba is None else LABELS[int(np.argmax(proba[i]))]
        )
        if s_label != label:
            continue
        out.append(Driver(sentences[i], s_label, round(float(signed[i]), 4)))
        if len(out) == MAX_DRIVERS:
            break
    if not out:
        # The whole text leans one way though no single sentence does (e.g. cumulative mild
        # complaints): point at the sentence that leans most in that direction, marked by its own label.
        i = int(order[0])
        own = _vader_label(float(signed[i])) if vader or proba is None else LABELS[int(np.argmax(proba[i]))]
        out.append(Driver(sentences[i], own, round(float(signed[i]), 4)))
    return out


def build_sentiment_service(encoder: Encoder | None) -> SentimentService:
    """VADER always; the classifier when its artifact and the encoder are there; default as trained."""
    vader = VaderModel()
    if encoder is None:
        return SentimentService(vader, None, "vader")
    head, meta = load_artifact(artifact_path_for(encoder))
    classifier = EmbeddingLRModel(encoder, head, version=str(meta["version"]))
    return SentimentService(vader, classifier, str(meta["default_model"]))
