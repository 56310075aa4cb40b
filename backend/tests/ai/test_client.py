"""The client: service tokens the real AI service accepts, one organisation per token, the circuit
breaker, retries only where they are safe, and 503 + Retry-After for every way of failing."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crm.ai.client import AIClient, AIUnavailable, CallTimeout, CircuitBreaker
from crm.ai.service_token import mint_service_token
from tests.ai.conftest import AIService
from tests.fixtures.redis import free_port


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_after_consecutive_failures_and_probes_once() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=3, reset_after=30, clock=clock)
    for _ in range(2):
        breaker.record_failure()
    breaker.record_success()  # a success resets the count
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state == "closed"
    breaker.record_failure()
    assert breaker.state == "open" and not breaker.allow()
    clock.now += 12
    assert breaker.retry_after() == 18
    clock.now += 18
    assert breaker.state == "half_open"
    assert breaker.allow() and not breaker.allow()  # one probe at a time
    breaker.record_failure()  # the probe failed: open again, for a full period
    assert breaker.state == "open" and breaker.retry_after() == 30
    clock.now += 30
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state == "closed" and breaker.allow()


def test_tokens_carry_the_organisation_and_are_single_use(tmp_path: Path) -> None:
    import jwt

    key = Ed25519PrivateKey.generate()
    first = mint_service_token(key, "org-1", subject="user-9")
    second = mint_service_token(key, "org-1", subject="user-9")
    claims = jwt.decode(
        first, key.public_key(), algorithms=["EdDSA"], audience="crm-ai", issuer="crm-backend"
    )
    assert claims["org_id"] == "org-1" and claims["sub"] == "user-9"
    assert claims["exp"] - claims["iat"] == 60
    assert jwt.decode(second, options={"verify_signature": False})["jti"] != claims["jti"]
    with pytest.raises(ValueError):
        mint_service_token(key, "../other-org")
    with pytest.raises(ValueError):
        mint_service_token(key, "org-1", ttl_seconds=3600)


async def test_the_service_knows_which_organisation_calls(ai_service: AIService) -> None:
    client = AIClient(ai_service.url, ai_service.private_key)
    try:
        org_a, org_b = str(uuid.uuid4()), str(uuid.uuid4())
        assert await client.call("GET", "/v1/whoami", org_id=org_a, idempotent=True) == {"org_id": org_a}
        assert await client.call("GET", "/v1/whoami", org_id=org_b, idempotent=True) == {"org_id": org_b}
    finally:
        await client.close()


async def test_a_key_the_service_does_not_trust_gives_503(ai_service: AIService, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger.key"
    stranger.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    client = AIClient(ai_service.url, stranger)
    try:
        with pytest.raises(AIUnavailable) as refused:
            await client.call("GET", "/v1/whoami", org_id="org-1", idempotent=True)
        assert refused.value.status_code == 503
        assert refused.value.headers["Retry-After"] == "60"
        assert "credentials" in refused.value.detail
    finally:
        await client.close()


async def test_no_key_means_not_set_up_not_a_crash(tmp_path: Path) -> None:
    client = AIClient("http://127.0.0.1:9", tmp_path / "absent.key")
    with pytest.raises(AIUnavailable) as missing:
        await client.call("GET", "/v1/whoami", org_id="org-1", idempotent=True)
    assert missing.value.headers["Retry-After"] == "60"
    assert client.breaker.state == "closed"  # set-up problem, not a sick service


async def test_unreachable_service_retries_then_opens_the_circuit(ai_service: AIService) -> None:
    client = AIClient(
        f"http://127.0.0.1:{free_port()}",
        ai_service.private_key,
        backoff=0.01,
        breaker=CircuitBreaker(threshold=4, reset_after=60),
    )
    limits = CallTimeout(read=1, total=2, connect=0.5)
    with pytest.raises(AIUnavailable) as first:
        await client.call("GET", "/v1/whoami", org_id="o", idempotent=True, limits=limits)
    assert "unreachable" in first.value.detail and client.breaker.state == "closed"  # 3 attempts
    # A refused connection never reached the service, so even training may try again.
    with pytest.raises(AIUnavailable):
        await client.call(
            "POST", "/v1/lead-scoring/train", org_id="o", json={}, idempotent=False, limits=limits
        )
    assert client.breaker.state == "open"
    started = time.monotonic()
    with pytest.raises(AIUnavailable) as fast:
        await client.call("GET", "/v1/whoami", org_id="o", idempotent=True, limits=limits)
    assert time.monotonic() - started < 0.05  # no connection attempted while open
    assert 55 <= int(fast.value.headers["Retry-After"]) <= 60
    await client.close()


async def test_client_follows_the_event_loop(ai_service: AIService) -> None:
    client = AIClient(ai_service.url, ai_service.private_key)

    def in_another_loop() -> object:
        return asyncio.run(client.call("GET", "/v1/whoami", org_id="loop-b", idempotent=True))

    assert await client.call("GET", "/v1/whoami", org_id="loop-a", idempotent=True) == {"org_id": "loop-a"}
    assert await asyncio.to_thread(in_another_loop) == {"org_id": "loop-b"}
    await client.close()
