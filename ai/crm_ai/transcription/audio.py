"""Audio in: container check, capped decoding to 16 kHz mono with faster-whisper's PyAV pipeline,
silence detection.

Browsers' MediaRecorder writes WebM without a duration in the header, so the length is only known
while decoding: decoding stops as soon as the audio passes the limit, whatever the file claims.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from crm_ai.core.errors import AIError

SAMPLE_RATE = 16_000
# PyAV's demuxer names for the formats we take.
FORMATS = {"wav": "wav", "mp3": "mp3", "ogg": "ogg", "matroska,webm": "webm", "webm": "webm"}
CONTENT_TYPES = ("audio/webm", "audio/ogg", "audio/wav", "audio/mpeg", "application/octet-stream")
# Quieter than this everywhere is silence (about -60 dBFS peak): no model run, an explicit empty result.
SILENCE_PEAK = 1e-3


class InvalidAudio(AIError):
    status_code = 400
    code = "invalid_audio"


class UnsupportedAudio(AIError):
    status_code = 415
    code = "unsupported_media_type"


class AudioTooLong(AIError):
    status_code = 413
    code = "audio_too_long"


@dataclass(frozen=True)
class Audio:
    samples: npt.NDArray[np.float32]
    format: str

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE

    @property
    def silent(self) -> bool:
        return len(self.samples) == 0 or float(np.max(np.abs(self.samples))) < SILENCE_PEAK


def decode(source: BinaryIO, max_seconds: int) -> Audio:
    """Decode webm/ogg/wav/mp3 to 16 kHz mono float32; 400/415/413 for corrupt, other or too long."""
    import av
    from faster_whisper.audio import _group_frames, _ignore_invalid_frames, _resample_frames

    try:
        container = av.open(source, mode="r", metadata_errors="ignore")
    except (av.FFmpegError, ValueError, EOFError):
        raise InvalidAudio(
            "the upload is not audio this service can read (corrupt or unknown format)"
        ) from None
    with container:
        kind = FORMATS.get(container.format.name)
        if kind is None:
            raise UnsupportedAudio(f"{container.format.name} is not supported: send webm, ogg, wav or mp3")
        if not container.streams.audio:
            raise InvalidAudio("the file has no audio stream")
        if container.duration is not None and container.duration / 1_000_000 > max_seconds + 1:
            raise AudioTooLong(_too_long(max_seconds))
        resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
        chunks: list[npt.NDArray[np.int16]] = []
        total = 0
        try:
            frames = _resample_frames(
                _group_frames(_ignore_invalid_frames(container.decode(audio=0)), 500_000), resampler
            )
            for frame in frames:
                array = frame.to_ndarray().reshape(-1)
                chunks.append(array)
                total += len(array)
                if total > (max_seconds + 1) * SAMPLE_RATE:
                    raise AudioTooLong(_too_long(max_seconds))
        except (av.FFmpegError, ValueError) as exc:
            raise InvalidAudio(f"the audio could not be decoded: {type(exc).__name__}") from None
        finally:
            # faster-whisper's note: PyAV's resampler leaks until a collection runs.
            del resampler
            gc.collect()
    if total == 0:
        raise InvalidAudio("the file contains no audio samples")
    samples = np.concatenate(chunks).astype(np.float32) / 32768.0
    return Audio(samples, kind)


def _too_long(max_seconds: int) -> str:
    return f"audio longer than {max_seconds // 60} minutes {max_seconds % 60} seconds".replace(
        " 0 seconds", ""
    )
