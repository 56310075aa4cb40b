"""Transcription (real faster-whisper tiny.en), transcript analysis and the rule-based extraction.

The speech clip in tests/data/speech.ogg was made once with espeak-ng ("Please call Marta Ruiz next
Friday. The new quote is twelve thousand euros.", Opus at 32 kbit/s); every other sound is generated
here with numpy or PyAV.
"""

from __future__ import annotations

import datetime as dt
import io
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from crm_ai.app import create_app
from crm_ai.core.config import Settings
from crm_ai.core.models import ModelHub
from crm_ai.transcription.extraction import KnownContact, extract, find_amounts, find_dates, words_to_number

Auth = Callable[..., dict[str, str]]
SPEECH = Path(__file__).parent / "data" / "speech.ogg"
FRIDAY = dt.date(2026, 11, 27)


@pytest.fixture
def tclient(settings: Settings, loaded_hub: ModelHub) -> Iterator[TestClient]:
    limited = settings.model_copy(update={"transcription_max_seconds": 8})
    with TestClient(create_app(limited, hub=loaded_hub)) as c:
        yield c


def _wav(samples: np.ndarray, rate: int = 16_000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buffer.getvalue()


def _encoded(samples: np.ndarray, container: str, codec: str, rate: int) -> bytes:
    import av

    buffer = io.BytesIO()
    with av.open(buffer, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        assert isinstance(stream, av.AudioStream)
        frame = av.AudioFrame.from_ndarray(
            (samples * 32767).astype(np.int16).reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)
    return buffer.getvalue()


def _tone(seconds: float, rate: int = 16_000) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return 0.3 * np.sin(2 * np.pi * 440 * t)


def _post(client: TestClient, auth: Auth, data: bytes, content_type: str = "audio/wav", **params: Any) -> Any:
    return client.post(
        "/v1/transcriptions", content=data, headers={**auth(), "content-type": content_type}, params=params
    )


def test_speech_is_transcribed_and_analysed(tclient: TestClient, auth: Auth) -> None:
    response = _post(tclient, auth, SPEECH.read_bytes(), "audio/ogg", reference_date=FRIDAY.isoformat())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert body["model"] == "tiny.en"
    assert body["format"] == "ogg"
    assert 5 < body["duration_seconds"] < 7
    text = body["text"].lower()
    for word in ("call", "marta", "friday", "quote"):
        assert word in text, text
    segments = body["segments"]
    assert segments[0]["start"] >= 0
    assert all(s["end"] > s["start"] for s in segments)
    assert segments[-1]["end"] <= body["duration_seconds"] + 0.5
    assert body["timing"]["real_time_factor"] > 0
    updates = body["analysis"]["proposed_updates"]
    fields = {(u["field"], u["value"]) for u in updates}
    assert ("next_activity_date", "2026-12-04") in fields, updates
    assert ("amount", 12000.0) in fields, updates
    assert all(u["at_seconds"] is not None for u in updates)
    assert body["analysis"]["sentiment"]["label"] in ("neutral", "positive", "negative")
    assert body["analysis"]["summary"]["sentences"]


def test_silence_is_an_explicit_empty_result(tclient: TestClient, auth: Auth) -> None:
    body = _post(tclient, auth, _wav(np.zeros(16_000 * 2))).json()
    assert body["status"] == "no_speech"
    assert body["detail"] == "the recording is silent"
    assert body["text"] == ""
    assert body["segments"] == []
    assert body["analysis"] is None


def test_a_tone_is_not_speech(tclient: TestClient, auth: Auth) -> None:
    body = _post(tclient, auth, _wav(_tone(3))).json()
    assert body["status"] == "no_speech"
    assert body["detail"] == "no speech was detected"
    assert body["text"] == ""


@pytest.mark.parametrize(
    ("container", "codec", "rate", "expected"),
    [
        ("mp3", "libmp3lame", 16_000, "mp3"),
        ("webm", "libopus", 48_000, "webm"),
        ("ogg", "libopus", 48_000, "ogg"),
    ],
)
def test_every_accepted_format_decodes(
    tclient: TestClient, auth: Auth, container: str, codec: str, rate: int, expected: str
) -> None:
    data = _encoded(np.zeros(rate * 2), container, codec, rate)
    body = _post(tclient, auth, data, f"audio/{container}").json()
    assert body["status"] == "no_speech", body
    assert body["format"] == expected
    assert 1.5 < body["duration_seconds"] < 2.5


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        (b"", 400, "invalid_audio"),
        (b"this is not audio at all " * 200, 400, "invalid_audio"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(64), 400, "invalid_audio"),
    ],
)
def test_corrupt_uploads_are_400(
    tclient: TestClient, auth: Auth, data: bytes, status: int, error: str
) -> None:
    response = _post(tclient, auth, data)
    assert response.status_code == status, response.text
    assert response.json()["error"] == error


def test_other_formats_are_415(tclient: TestClient, auth: Auth) -> None:
    data = _encoded(_tone(1), "flac", "flac", 16_000)
    response = _post(tclient, auth, data, "audio/flac")
    assert response.status_code == 415
    assert "send webm, ogg, wav or mp3" in response.json()["detail"]


def test_too_long_is_413(tclient: TestClient, auth: Auth) -> None:
    response = _post(tclient, auth, _wav(np.zeros(16_000 * 10)))
    assert response.status_code == 413
    assert response.json() == {"error": "audio_too_long", "detail": "audio longer than 0 minutes 8 seconds"}


def test_upload_size_has_its_own_cap(settings: Settings, loaded_hub: ModelHub, auth: Auth) -> None:
    small = settings.model_copy(update={"transcription_max_bytes": 2048})
    with TestClient(create_app(small, hub=loaded_hub)) as c:
        response = _post(c, auth, _wav(np.zeros(4000)))
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_transcription_needs_a_service_token(tclient: TestClient) -> None:
    response = tclient.post("/v1/transcriptions", content=b"x", headers={"content-type": "audio/wav"})
    assert response.status_code == 401


# --- analysis of text ---------------------------------------------------------------------------

CALL_NOTES = (
    "Thanks for the call today, Marta. The warehouse check-up day went really well and the staff loved it. "
    "Your CFO Miguel Serrano wants to sign the renewal by March 3rd. "
    "The budget is about €85k for the year, a bit below last year's 96,000 euros. "
    "We'll send the revised proposal with the Valencia depot added by next Friday. "
    "Let's book a follow-up meeting in two weeks with Dr. Navarro to plan the on-site days. "
    "Okay. Thank you."
)


def test_analyze_endpoint(tclient: TestClient, auth: Auth) -> None:
    payload = {
        "text": CALL_NOTES,
        "reference_date": "2026-11-27",
        "known_contacts": [{"id": "ct01", "name": "Marta Ruiz"}, {"id": "ct15", "name": "Miguel Serrano"}],
    }
    response = tclient.post("/v1/transcripts/analyze", json=payload, headers=auth())
    assert response.status_code == 200, response.text
    body = response.json()
    updates = {(u["field"], str(u["value"])) for u in body["proposed_updates"]}
    assert ("expected_close_date", "2027-03-03") in updates
    assert ("next_activity_date", "2026-12-04") in updates
    assert ("next_activity_date", "2026-12-11") in updates
    assert ("amount", "85000.0") in updates
    assert ("amount", "96000.0") in updates
    assert ("contact_mentioned", "Miguel Serrano") in updates
    assert ("person_mentioned", "Dr. Navarro") in updates
    steps = [u["value"] for u in body["proposed_updates"] if u["field"] == "next_step"]
    assert any("revised proposal" in s for s in steps)
    assert all(u["at_seconds"] is None for u in body["proposed_updates"])
    # Mostly logistics with one happy sentence: anything but negative is a fair reading.
    assert body["sentiment"]["label"] in ("positive", "neutral")
    assert body["sentiment"]["model"] == "minilm_lr"
    summary = body["summary"]
    assert summary["method"] == "extractive-centrality-minilm"
    assert 1 <= len(summary["sentences"]) <= 5
    assert "Okay." not in summary["sentences"]
    positions = [CALL_NOTES.index(s) for s in summary["sentences"]]
    assert positions == sorted(positions)


def test_analyze_refuses_empty_text(tclient: TestClient, auth: Auth) -> None:
    response = tclient.post("/v1/transcripts/analyze", json={"text": "   "}, headers=auth())
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("tomorrow", "2026-11-28"),
        ("next Friday", "2026-12-04"),
        ("on Monday", "2026-11-30"),
        ("in two weeks", "2026-12-11"),
        ("in 3 months", "2027-02-27"),
        ("by the end of the month", "2026-11-30"),
        ("next week", "2026-11-30"),
        ("next month", "2026-12-01"),
        ("March 3rd", "2027-03-03"),
        ("the 3rd of December", "2026-12-03"),
        ("12 December 2026", "2026-12-12"),
        ("on the 15th", "2026-12-15"),
        ("2027-01-20", "2027-01-20"),
        ("15/01/2027", "2027-01-15"),
        ("end of the quarter", "2026-12-31"),
    ],
)
def test_dates_resolve_against_the_reference(said: str, expected: str) -> None:
    found = find_dates(f"We agreed to talk {said}.", FRIDAY)
    assert [d.isoformat() for d, _ in found] == [expected]


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("a quote of 12,000 euros", [(12000.0, "EUR")]),
        ("about €85k", [(85000.0, "EUR")]),
        ("$1.5 million", [(1_500_000.0, "USD")]),
        ("12.500,50 EUR", [(12500.5, "EUR")]),
        ("twelve thousand five hundred euros", [(12500.0, "EUR")]),
        ("room 12 on floor 3", []),
    ],
)
def test_amounts(said: str, expected: list[tuple[float, str]]) -> None:
    assert find_amounts(said) == expected


def test_words_to_number() -> None:
    assert words_to_number("two hundred and fifty thousand") == 250_000
    assert words_to_number("a million") == 1_000_000
    assert words_to_number("quote") is None


def test_past_events_are_not_next_steps_and_known_contacts_match_by_last_name() -> None:
    proposals = extract(
        "Last week we sent the brochure. Ruiz will review it. I'll call her back.",
        FRIDAY,
        [KnownContact("ct01", "Marta Ruiz")],
    )
    steps = [p.value for p in proposals if p.field == "next_step"]
    assert steps == ["I'll call her back."]
    assert [(p.value, p.contact_id) for p in proposals if p.field == "contact_mentioned"] == [
        ("Marta Ruiz", "ct01")
    ]


def test_each_date_takes_its_field_from_its_own_clause() -> None:
    proposals = extract(
        "I will send it next Wednesday, and we should sign before the end of the month.", FRIDAY
    )
    dates = {(p.field, p.value) for p in proposals if p.field.endswith("_date")}
    assert dates == {("next_activity_date", "2026-12-02"), ("expected_close_date", "2026-11-30")}


def test_misheard_names_map_to_the_record_contact() -> None:
    known = [KnownContact("ct01", "Marta Ruiz"), KnownContact("ct02", "Jonas Berg")]
    proposals = extract("After my call with Marta Rees I also spoke to Maria Lopez.", FRIDAY, known)
    people = [(p.field, p.value, p.contact_id, p.rule) for p in proposals if p.field.endswith("_mentioned")]
    assert people == [
        ("contact_mentioned", "Marta Ruiz", "ct01", "known_contact_fuzzy"),
        ("person_mentioned", "Maria Lopez", None, "name_pattern"),
    ]
