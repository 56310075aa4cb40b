"""The decoded audio re-encoded for upload: what is sent is exactly what was checked here (format,
length, not corrupt), at 16 kHz mono, the rate Whisper models work at anyway."""

from __future__ import annotations

import io
import wave

import numpy as np
import numpy.typing as npt

from crm_ai.core.errors import PayloadTooLarge
from crm_ai.transcription.audio import SAMPLE_RATE

WAV_HEADER_BYTES = 44
# Opus at 32 kbit/s is transparent for speech recognition: 30 minutes is ~7 MB, well under 25 MB.
OPUS_BITRATE = 32_000
# libopus' fastest setting: 7x faster than its default here (5 min of speech in 3.3 s instead of
# 24 s on a loaded 2-core machine) for ~20% more bytes at the same bit rate.
OPUS_OPTIONS = {"compression_level": "0"}


def encode_for_upload(samples: npt.NDArray[np.float32], max_bytes: int) -> tuple[str, bytes, str]:
    """(file name, bytes, content type): lossless WAV when it fits the API's cap, else Ogg Opus."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    if WAV_HEADER_BYTES + pcm.nbytes <= max_bytes:
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE)
            out.writeframes(pcm.tobytes())
        return "audio.wav", buffer.getvalue(), "audio/wav"
    data = _opus(pcm)
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"the recording is {len(data)} bytes even as Opus, over the transcription API's upload cap"
            f" of {max_bytes} bytes (CRM_AI_TRANSCRIPTION_API_MAX_UPLOAD_BYTES)"
        )
    return "audio.ogg", data, "audio/ogg"


def _opus(pcm: npt.NDArray[np.int16]) -> bytes:
    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=SAMPLE_RATE, layout="mono", options=OPUS_OPTIONS)
        assert isinstance(stream, av.AudioStream)
        stream.bit_rate = OPUS_BITRATE
        # Fed in one-second frames; PyAV cuts them to the encoder's frame size.
        for start in range(0, len(pcm), SAMPLE_RATE):
            frame = av.AudioFrame.from_ndarray(
                pcm[start : start + SAMPLE_RATE].reshape(1, -1), format="s16", layout="mono"
            )
            frame.sample_rate = SAMPLE_RATE
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()
