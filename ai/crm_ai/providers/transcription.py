"""Transcription by an OpenAI-compatible API (`POST /v1/audio/transcriptions`, `verbose_json` with
segment timestamps), giving the same `Transcript` as the local faster-whisper engine.

The endpoint has already decoded the upload (corrupt, silent, too long and unsupported audio never
leave this service); what is sent is that decoded audio, re-encoded (see `upload.py`).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from crm_ai.core.config import Settings, SettingsError
from crm_ai.providers.errors import BadUpstreamAnswer
from crm_ai.providers.languages import language_code
from crm_ai.providers.openai_client import make_client, raise_mapped
from crm_ai.providers.upload import encode_for_upload
from crm_ai.transcription.audio import SAMPLE_RATE
from crm_ai.transcription.engine import Segment, Transcript

if TYPE_CHECKING:
    from openai import OpenAI

KEY_SETTING = "CRM_AI_TRANSCRIPTION_API_KEY"
# Whisper's own rule for a segment that is silence decoded as words (its no_speech_threshold and
# logprob_threshold); the local engine drops those with its VAD instead.
NO_SPEECH_PROB = 0.6
LOW_AVG_LOGPROB = -1.0
# Timestamps may run a little past the end (padding to the last frame), not further.
END_SLACK_SECONDS = 1.0


class OpenAITranscriber:
    english_only = False

    def __init__(self, client: OpenAI, model: str, *, max_upload_bytes: int) -> None:
        self._client = client
        # Reported with every transcript: the remote model, never tiny.en.
        self.name = model
        self.max_upload_bytes = max_upload_bytes

    def transcribe(self, samples: npt.NDArray[np.float32], language: str | None = None) -> Transcript:
        started = time.perf_counter()
        upload = encode_for_upload(samples, self.max_upload_bytes)
        # Every SDK failure becomes one of our typed errors.
        try:
            if language:
                answer = self._client.audio.transcriptions.create(
                    model=self.name,
                    file=upload,
                    response_format="verbose_json",
                    timestamp_granularities=["segment"],
                    language=language,
                )
            else:
                answer = self._client.audio.transcriptions.create(
                    model=self.name,
                    file=upload,
                    response_format="verbose_json",
                    timestamp_granularities=["segment"],
                )
        except Exception as exc:
            raise_mapped(exc, "transcription", KEY_SETTING)
        duration = len(samples) / SAMPLE_RATE
        segments = _segments(answer, duration)
        language_said = language_code(getattr(answer, "language", None))
        return Transcript(language_said, segments, time.perf_counter() - started)


def _segments(answer: object, duration: float) -> list[Segment]:
    raw = getattr(answer, "segments", None)
    text = getattr(answer, "text", None)
    if raw is None:
        # A server that ignores `verbose_json` still gives the text: one segment for the recording.
        if not isinstance(text, str):
            raise BadUpstreamAnswer("the transcription API answered neither segments nor text")
        return [Segment(0.0, round(duration, 2), text.strip())] if text.strip() else []
    if not isinstance(raw, list):
        raise BadUpstreamAnswer("the transcription API answered segments that are not a list")
    out = []
    for item in raw:
        start, end = _number(getattr(item, "start", None)), _number(getattr(item, "end", None))
        words = getattr(item, "text", None)
        if start is None or end is None or not isinstance(words, str):
            raise BadUpstreamAnswer("the transcription API answered a segment without start, end and text")
        if not 0 <= start <= end <= duration + END_SLACK_SECONDS:
            raise BadUpstreamAnswer(
                f"the transcription API answered a segment at {start}-{end} s of a {duration:.1f} s recording"
            )
        if _silent(item) or not words.strip():
            continue
        start, end = min(start, duration), min(end, duration)
        out.append(Segment(round(start, 2), round(end, 2), words.strip()))
    return sorted(out, key=lambda s: (s.start, s.end))


def _number(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _silent(segment: object) -> bool:
    no_speech = _number(getattr(segment, "no_speech_prob", None))
    logprob = _number(getattr(segment, "avg_logprob", None))
    if no_speech is None or logprob is None:
        return False
    return no_speech > NO_SPEECH_PROB and logprob < LOW_AVG_LOGPROB


def build_remote_transcriber(settings: Settings) -> OpenAITranscriber:
    if not settings.transcription_base_url or not settings.transcription_api_model:
        raise SettingsError(
            "CRM_AI_TRANSCRIPTION_DRIVER=openai needs CRM_AI_TRANSCRIPTION_BASE_URL and _API_MODEL"
        )
    timeout = settings.transcription_timeout_seconds
    client = make_client(settings.transcription_base_url, settings.transcription_api_key, timeout)
    return OpenAITranscriber(
        client, settings.transcription_api_model, max_upload_bytes=settings.transcription_api_max_upload_bytes
    )
