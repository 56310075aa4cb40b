from __future__ import annotations

import contextlib
import threading

from fastapi.testclient import TestClient

from crm_ai.app import create_app
from crm_ai.core.config import Settings
from crm_ai.core.models import ModelHub


def test_healthz_needs_no_token(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]


def test_readyz_is_503_with_retry_after_until_models_load(settings: Settings) -> None:
    gate = threading.Event()
    hub = ModelHub()
    hub.register("slow", lambda: gate.wait(5) and "model")
    app = create_app(settings.model_copy(update={"preload_models": True}), hub=hub)
    with TestClient(app) as c:
        loading = c.get("/readyz")
        assert loading.status_code == 503
        assert loading.headers["retry-after"] == "5"
        assert loading.json()["error"] == "not_ready"
        assert loading.json()["models"] == {"slow": "loading"}
        gate.set()
        for _ in range(100):
            if hub.ready:
                break
            threading.Event().wait(0.02)
        ready = c.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "models": {"slow": "ready"}}


def test_readyz_reports_a_failed_model(settings: Settings) -> None:
    def broken() -> object:
        raise RuntimeError("weights missing")

    hub = ModelHub()
    hub.register("broken", broken)
    with TestClient(create_app(settings, hub=hub)) as c:
        with contextlib.suppress(RuntimeError):
            hub.load_all()
        response = c.get("/readyz")
    assert response.status_code == 503
    assert response.json()["detail"] == "models failed to load: broken"
    assert "weights" not in response.text


def test_request_id_is_passed_through_when_sane(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    odd = client.get("/healthz", headers={"X-Request-ID": "a b\x7f<script>"}).headers["x-request-id"]
    assert odd != "a b\x7f<script>"
    assert len(odd) == 32


def test_unknown_path_and_method_use_the_error_shape(client: TestClient) -> None:
    missing = client.get("/nope")
    assert missing.status_code == 404
    assert missing.json() == {"error": "not_found", "detail": "Not Found"}
    wrong = client.post("/healthz")
    assert wrong.status_code == 405
    assert wrong.json()["error"] == "method_not_allowed"


def test_oversize_body_is_413_before_auth_or_parsing(client: TestClient, settings: Settings) -> None:
    body = b"x" * (settings.max_body_bytes + 1)
    response = client.post("/v1/whoami", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"error": "payload_too_large", "detail": "request body too large"}
