"""The OpenAI-compatible transcription driver, through the official SDK against a loopback fake that
speaks the documented multipart request and `verbose_json` answer (tests/driver_fake_openai.py)."""

from __future__ import annotations

import io
import logging
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from crm_ai.app import create_app
from crm_ai.core.config import Settings, SettingsError, load_settings
from crm_ai.core.errors import PayloadTooLarge
from crm_ai.core.models import ModelHub
from crm_ai.providers.languages import language_code
from crm_ai.providers.transcription import OpenAITranscriber
from crm_ai.transcription import audio
from crm_ai.transcription.engine import build_transcriber

from .driver_fake_openai import API_KEY, FakeOpenAI, _duration

Auth = Callable[..., dict[str, str]]
MODEL = "whisper-1"
SPEECH = Path(__file__).parent / "data" / "speech.ogg"
TONE_10S = 0.3 * np.sin(np.arange(16_000 * 10) / 16_000 * 2 * np.pi * 440)


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    yield server
    server.close()


def remote_settings(settings: Settings, fake: FakeOpenAI, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "transcription_driver": "openai",
        "transcription_base_url": fake.url,
        "transcription_api_key": API_KEY,
        "transcription_api_model": MODEL,
        "transcription_timeout_seconds": 10,
        "transcription_max_seconds": 8,
        **overrides,
    }
    return Settings(**{**settings.model_dump(), **values})


def app_client(configured: Settings, extra: dict[str, Any] | None = None) -> TestClient:
    hub = ModelHub()
    hub.put("transcriber", build_transcriber(configured))
    for name, model in (extra or {}).items():
        hub.put(name, model)
    return TestClient(create_app(configured, hub=hub))


@pytest.fixture
def tclient(settings: Settings, fake: FakeOpenAI) -> Iterator[TestClient]:
    with app_client(remote_settings(settings, fake)) as c:
        yield c


def _post(client: TestClient, auth: Auth, data: bytes, content_type: str = "audio/ogg", **params: Any) -> Any:
    return client.post(
        "/v1/transcriptions", content=data, headers={**auth(), "content-type": content_type}, params=params
    )


def _wav(samples: np.ndarray, rate: int = 16_000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def test_speech_comes_back_in_the_local_engines_shape(
    tclient: TestClient, auth: Auth, fake: FakeOpenAI
) -> None:
    response = _post(tclient, auth, SPEECH.read_bytes(), analyze="false")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["model"] == MODEL  # the remote model is named, not tiny.en
    assert body["language"] == "en"  # "english" on the wire, the local engine's code here
    assert body["format"] == "ogg"
    assert body["duration_seconds"] == pytest.approx(6.16, abs=0.05)
    # Whisper's "Thank you." over the silent stretch (no_speech_prob 0.92, avg_logprob -1.4) is dropped.
    assert [s["text"] for s in body["segments"]] == [
        "Please call Marta Ruiz next Friday.",
        "The new quote is twelve thousand euros.",
    ]
    assert body["text"] == "Please call Marta Ruiz next Friday. The new quote is twelve thousand euros."
    assert body["segments"][0]["start"] == 0.0
    assert all(s["start"] <= s["end"] <= body["duration_seconds"] for s in body["segments"])
    assert body["timing"]["transcribe_seconds"] > 0
    # What was sent: the decoded audio as 16 kHz mono WAV, with the documented fields.
    (request,) = fake.requests
    assert request["auth"] == f"Bearer {API_KEY}"
    assert request["fields"]["model"] == [MODEL]
    assert request["fields"]["response_format"] == ["verbose_json"]
    assert request["fields"]["timestamp_granularities[]"] == ["segment"]
    (upload,) = fake.uploads
    assert upload.filename == "audio.wav"
    assert upload.content_type == "audio/wav"
    with wave.open(io.BytesIO(upload.data)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (1, 16_000, 2)
        assert w.getnframes() / 16_000 == pytest.approx(body["duration_seconds"], abs=0.01)
    assert fake.problems == []


def test_the_transcript_is_analysed_with_the_local_models(
    settings: Settings, fake: FakeOpenAI, auth: Auth, loaded_hub: ModelHub
) -> None:
    extra = {name: loaded_hub.get(name) for name in ("text_encoder", "sentiment")}
    with app_client(remote_settings(settings, fake), extra) as c:
        response = _post(c, auth, SPEECH.read_bytes(), reference_date="2026-11-25")
    assert response.status_code == 200, response.text
    analysis = response.json()["analysis"]
    proposals = {p["field"]: p for p in analysis["proposed_updates"]}
    assert proposals["amount"]["value"] == 12000
    assert proposals["next_activity_date"]["value"] == "2026-11-27"
    assert proposals["amount"]["at_seconds"] is not None  # placed in the recording by the segments
    assert analysis["sentiment"]["label"] in {"positive", "neutral", "negative"}


def test_long_audio_goes_as_opus_under_the_upload_cap(settings: Settings, fake: FakeOpenAI) -> None:
    decoded = audio.decode(io.BytesIO(SPEECH.read_bytes()), 60)
    transcriber = build_transcriber(
        remote_settings(settings, fake, transcription_api_max_upload_bytes=100_000)
    )
    assert isinstance(transcriber, OpenAITranscriber)
    transcript = transcriber.transcribe(decoded.samples)
    assert len(transcript.segments) == 2
    (upload,) = fake.uploads
    # 6 s of 16 kHz WAV is 197 kB: over the cap, so Ogg Opus of the same length is sent instead.
    assert upload.filename == "audio.ogg"
    assert upload.content_type == "audio/ogg"
    assert len(upload.data) <= 100_000
    assert _duration(upload.data) == pytest.approx(decoded.seconds, abs=0.05)


def test_audio_too_big_even_as_opus_is_413_and_not_sent(settings: Settings, fake: FakeOpenAI) -> None:
    # A minute of noise: Opus cannot squeeze it under a 100 kB cap.
    noise = np.random.default_rng(1).uniform(-0.5, 0.5, 16_000 * 60).astype(np.float32)
    transcriber = build_transcriber(
        remote_settings(settings, fake, transcription_api_max_upload_bytes=100_000)
    )
    with pytest.raises(PayloadTooLarge, match="CRM_AI_TRANSCRIPTION_API_MAX_UPLOAD_BYTES"):
        transcriber.transcribe(noise)
    assert fake.requests == []


@pytest.mark.parametrize(
    ("data", "content_type", "status", "error"),
    [
        (b"\x00\x01 not audio at all" * 100, "audio/ogg", 400, "invalid_audio"),
        (SPEECH.read_bytes()[:64], "audio/ogg", 400, "invalid_audio"),
        (_wav(TONE_10S), "audio/wav", 413, "audio_too_long"),
    ],
    ids=["garbage", "header_only", "too_long"],
)
def test_bad_audio_is_refused_before_anything_is_sent(
    tclient: TestClient, auth: Auth, fake: FakeOpenAI, data: bytes, content_type: str, status: int, error: str
) -> None:
    response = _post(tclient, auth, data, content_type)
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert fake.requests == []


def test_silence_is_no_speech_without_a_call(tclient: TestClient, auth: Auth, fake: FakeOpenAI) -> None:
    response = _post(tclient, auth, _wav(np.zeros(16_000 * 2)), "audio/wav")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["model"], body["segments"]) == ("no_speech", MODEL, [])
    assert fake.requests == []


@pytest.mark.parametrize(
    ("mode", "status", "error", "retry_after"),
    [
        ("rate_limited", 503, "upstream_unavailable", "2"),
        ("server_error", 503, "upstream_unavailable", "5"),
        ("unauthorized", 502, "upstream_refused", None),
        ("out_of_range", 502, "bad_upstream_answer", None),
    ],
)
def test_upstream_failures_are_typed_errors(
    tclient: TestClient,
    auth: Auth,
    fake: FakeOpenAI,
    caplog: pytest.LogCaptureFixture,
    mode: str,
    status: int,
    error: str,
    retry_after: str | None,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.mode = mode
    response = _post(tclient, auth, SPEECH.read_bytes(), analyze="false")
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.headers.get("retry-after") == retry_after
    if mode == "unauthorized":
        assert "CRM_AI_TRANSCRIPTION_API_KEY" in response.json()["detail"]
    for leaked in (API_KEY, "Incorrect API key", "Marta"):
        assert leaked not in response.text
        assert leaked not in caplog.text


def test_remote_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_AI_TRANSCRIPTION_DRIVER", "openai")
    monkeypatch.setenv("CRM_AI_TRANSCRIPTION_BASE_URL", "https://api.example/v1")
    with pytest.raises(SettingsError, match="needs CRM_AI_TRANSCRIPTION_API_MODEL"):
        load_settings()
    monkeypatch.setenv("CRM_AI_TRANSCRIPTION_API_MODEL", MODEL)
    monkeypatch.setenv("CRM_AI_TRANSCRIPTION_API_KEY", API_KEY)
    loaded = load_settings()
    assert API_KEY not in repr(loaded)
    assert loaded.transcription_api_key is not None
    assert loaded.transcription_api_key.get_secret_value() == API_KEY


def test_language_names_become_codes() -> None:
    assert [language_code(x) for x in ("english", "Spanish", "de", "haitian creole", "klingon", None)] == [
        "en",
        "es",
        "de",
        "ht",
        "und",
        "und",
    ]
