"""The OpenAI-compatible embeddings driver, through the official SDK against a loopback fake that
speaks the documented wire format (tests/driver_fake_openai.py)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from crm_ai.app import create_app
from crm_ai.core.config import Settings, SettingsError, load_settings
from crm_ai.core.models import ModelHub
from crm_ai.embeddings.encoder import build_encoder
from crm_ai.providers.embeddings import OpenAIEmbeddingEncoder, build_remote_encoder
from crm_ai.providers.errors import UpstreamRefused

from .driver_fake_openai import API_KEY, FakeOpenAI, fake_vector

Auth = Callable[..., dict[str, str]]
MODEL = "text-embedding-3-small"
# Personal data as a CRM would embed it: must not show up in any log line.
TEXTS = [
    "Marta Ruiz (marta.ruiz@clinica-sol.example) asked for a new quote",
    "Clinic in Madrid unhappy with delivery times",
    "Follow up with Dr. Jonas Berg about the MRI service contract",
    "Hospital group renewing 40 ultrasound licences",
    "Call +34 600 123 456 back on Friday",
]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI()
    yield server
    server.close()


def remote_settings(settings: Settings, fake: FakeOpenAI, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "embedding_driver": "openai",
        "embedding_base_url": fake.url,
        "embedding_api_key": API_KEY,
        "embedding_api_model": MODEL,
        "embedding_api_batch": 2,
        "embedding_timeout_seconds": 5,
        **overrides,
    }
    return Settings(**{**settings.model_dump(), **values})


@pytest.fixture
def eclient(settings: Settings, fake: FakeOpenAI) -> Iterator[TestClient]:
    configured = remote_settings(settings, fake)
    hub = ModelHub()
    hub.put("encoder", build_encoder(configured))
    with TestClient(create_app(configured, hub=hub)) as c:
        yield c


def expected(texts: list[str], dimensions: int = 384) -> np.ndarray:
    rows = np.array([fake_vector(t, dimensions) for t in texts])
    unit: np.ndarray = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return unit


def test_vectors_come_back_in_input_order_in_batches(
    eclient: TestClient, auth: Auth, fake: FakeOpenAI
) -> None:
    fake.requests.clear()  # the width probe at start
    response = eclient.post("/v1/embeddings", json={"texts": TEXTS}, headers=auth())
    assert response.status_code == 200, response.text
    body = response.json()
    # The model reported with the vectors is the remote one, not MiniLM.
    assert body["model"] == MODEL
    assert body["dimensions"] == 384
    assert body["normalized"] is True
    assert body["truncated"] == []
    vectors = np.array(body["embeddings"])
    assert vectors.shape == (5, 384)
    # The fake answers each batch reversed; the driver puts every vector back by its `index`.
    np.testing.assert_allclose(vectors, expected(TEXTS), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # At most CRM_AI_EMBEDDING_API_BATCH texts per request, every request authorised and well formed.
    assert fake.embedding_batches == [TEXTS[0:2], TEXTS[2:4], TEXTS[4:5]]
    assert {r["auth"] for r in fake.requests} == {f"Bearer {API_KEY}"}
    assert {(r["model"], r["encoding_format"]) for r in fake.requests} == {(MODEL, "float")}
    assert all("dimensions" not in r for r in fake.requests)
    assert fake.problems == []


def test_base64_answers_are_the_same_vectors(eclient: TestClient, auth: Auth) -> None:
    response = eclient.post(
        "/v1/embeddings", json={"texts": TEXTS[:3], "encoding_format": "base64"}, headers=auth()
    )
    assert response.status_code == 200, response.text
    decoded = [np.frombuffer(base64.b64decode(e), dtype="<f4") for e in response.json()["embeddings"]]
    np.testing.assert_allclose(np.array(decoded), expected(TEXTS[:3]), atol=1e-6)


def test_a_model_of_another_width_stops_the_start(settings: Settings, fake: FakeOpenAI) -> None:
    fake.dimensions = 1536
    with pytest.raises(SettingsError) as caught:
        build_remote_encoder(remote_settings(settings, fake))
    message = str(caught.value)
    assert "1536" in message
    assert "384" in message
    assert "CRM_AI_EMBEDDING_DIMENSIONS" in message
    assert MODEL in message

    # Through the hub, as the service starts: the encoder is "failed" and /readyz says so.
    from crm_ai.models_registry import register_all

    hub = ModelHub()
    register_all(hub, remote_settings(settings, fake))
    with pytest.raises(SettingsError):
        hub.load("encoder")
    assert hub.status()["encoder"] == "failed"


def test_a_model_that_can_shorten_is_asked_for_the_store_width(settings: Settings, fake: FakeOpenAI) -> None:
    fake.dimensions = 1536
    encoder = build_remote_encoder(remote_settings(settings, fake, embedding_api_send_dimensions=True))
    vectors = encoder.encode(TEXTS[:2])
    assert vectors.shape == (2, 384)
    assert {r["dimensions"] for r in fake.requests} == {384}


def test_a_width_change_after_start_is_a_bad_answer(
    eclient: TestClient, auth: Auth, fake: FakeOpenAI
) -> None:
    fake.dimensions = 768
    response = eclient.post("/v1/embeddings", json={"texts": TEXTS[:1]}, headers=auth())
    assert response.status_code == 502
    assert response.json()["error"] == "bad_upstream_answer"
    assert "768" in response.json()["detail"]
    assert "CRM_AI_EMBEDDING_DIMENSIONS" in response.json()["detail"]


def test_a_missing_vector_is_a_bad_answer(eclient: TestClient, auth: Auth, fake: FakeOpenAI) -> None:
    fake.mode = "short"
    response = eclient.post("/v1/embeddings", json={"texts": TEXTS[:2]}, headers=auth())
    assert response.status_code == 502
    assert response.json() == {
        "error": "bad_upstream_answer",
        "detail": "the embeddings API answered 1 vectors for 2 texts",
    }


@pytest.mark.parametrize(
    ("mode", "retry_after"),
    [("rate_limited", "2"), ("server_error", "5")],
)
def test_busy_or_broken_upstream_is_503_with_retry_after(
    eclient: TestClient, auth: Auth, fake: FakeOpenAI, mode: str, retry_after: str
) -> None:
    fake.mode = mode
    fake.requests.clear()
    response = eclient.post("/v1/embeddings", json={"texts": TEXTS[:1]}, headers=auth())
    assert response.status_code == 503
    assert response.headers["retry-after"] == retry_after
    body = response.json()
    assert body["error"] == "upstream_unavailable"
    assert body["detail"].startswith("the embeddings API answered HTTP")
    assert len(fake.requests) == 2  # the SDK's one retry, then our 503


def test_unreachable_upstream_is_503(settings: Settings, fake: FakeOpenAI, auth: Auth) -> None:
    fake.close()  # nothing listens there any more: the probe at start only warns
    configured = remote_settings(settings, fake)
    hub = ModelHub()
    hub.put("encoder", build_remote_encoder(configured))
    with TestClient(create_app(configured, hub=hub)) as c:
        response = c.post("/v1/embeddings", json={"texts": TEXTS[:1]}, headers=auth())
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["detail"] == "the embeddings API cannot be reached"


def test_the_api_key_never_appears_in_errors_or_logs(
    settings: Settings, fake: FakeOpenAI, auth: Auth, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    configured = remote_settings(settings, fake)
    assert API_KEY not in repr(configured)
    assert API_KEY not in str(configured.model_dump())
    encoder = build_remote_encoder(configured)
    hub = ModelHub()
    hub.put("encoder", encoder)
    bodies = []
    with TestClient(create_app(configured, hub=hub)) as c:
        bodies.append(c.post("/v1/embeddings", json={"texts": TEXTS}, headers=auth()).text)
        for mode in ("unauthorized", "server_error"):
            fake.mode = mode
            bodies.append(c.post("/v1/embeddings", json={"texts": TEXTS}, headers=auth()).text)
    refused = bodies[1]
    assert '"upstream_refused"' in refused
    assert "CRM_AI_EMBEDDING_API_KEY" in refused
    assert "invalid_api_key" in refused  # the upstream's error code travels, its message does not
    logged = caplog.text
    assert "upstream error" in logged  # the failures were logged ...
    for secret in (API_KEY, API_KEY[3:12], "Incorrect API key"):
        assert secret not in logged
        assert all(secret not in b for b in bodies)
    for text in TEXTS:  # ... and so was no input
        assert text not in logged
        assert "marta.ruiz" not in logged


def test_a_wrong_key_at_start_fails_the_load_naming_the_setting(settings: Settings, fake: FakeOpenAI) -> None:
    configured = remote_settings(settings, fake, embedding_api_key="sk-wrong")
    with pytest.raises(UpstreamRefused) as caught:
        build_remote_encoder(configured)
    assert "CRM_AI_EMBEDDING_API_KEY" in str(caught.value)
    assert "sk-wrong" not in str(caught.value)


def test_remote_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_AI_EMBEDDING_DRIVER", "openai")
    with pytest.raises(SettingsError, match="CRM_AI_EMBEDDING_BASE_URL and CRM_AI_EMBEDDING_API_MODEL"):
        load_settings()
    monkeypatch.setenv("CRM_AI_EMBEDDING_BASE_URL", "api.example/v1")
    monkeypatch.setenv("CRM_AI_EMBEDDING_API_MODEL", MODEL)
    with pytest.raises(SettingsError, match=r"CRM_AI_EMBEDDING_BASE_URL: .*http"):
        load_settings()
    monkeypatch.setenv("CRM_AI_EMBEDDING_BASE_URL", "https://api.example/v1")
    monkeypatch.setenv("CRM_AI_EMBEDDING_DIMENSIONS", "1536")
    assert load_settings().embedding_dimensions == 1536  # a remote model may match a wider store
    monkeypatch.setenv("CRM_AI_EMBEDDING_DRIVER", "local")
    with pytest.raises(SettingsError, match=r"CRM_AI_EMBEDDING_DIMENSIONS=1536 .* gives 384"):
        load_settings()


def test_encoder_interface_matches_minilm(settings: Settings, fake: FakeOpenAI) -> None:
    encoder = build_remote_encoder(remote_settings(settings, fake))
    assert isinstance(encoder, OpenAIEmbeddingEncoder)
    assert encoder.encode([]).shape == (0, 384)
    assert encoder.encode(TEXTS).dtype == np.float32
