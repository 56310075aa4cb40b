"""Search tests: synthetic vectors for the store, the real AI service for meaning."""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai.client import AIClient, CircuitBreaker, install_client, private_key_path
from crm.core.db import set_tenant
from crm.core.runtime import Runtime
from crm.search import repository
from crm.search.repository import VectorRow
from tests.ai.conftest import ai, ai_service  # noqa: F401 - fixtures
from tests.fixtures.redis import free_port

DIM = 384


def unit(values: Sequence[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [v / norm for v in values]


def random_unit(rng: random.Random) -> list[float]:
    return unit([rng.gauss(0, 1) for _ in range(DIM)])


def near(center: list[float], rng: random.Random, spread: float) -> list[float]:
    return unit([c + rng.gauss(0, spread) for c in center])


async def store_vectors(
    db: AsyncSession, org: uuid.UUID, vectors: Sequence[list[float]], entity: str = "contact"
) -> list[uuid.UUID]:
    """Vectors for made-up record ids of ``org`` (the store does not need the records to exist)."""
    await set_tenant(db, org)
    await repository.ensure_org_index(db, org)
    ids = [uuid.uuid4() for _ in vectors]
    rows = [VectorRow(entity, i, 0, v, "synthetic", b"\0" * 32) for i, v in zip(ids, vectors, strict=True)]
    for start in range(0, len(rows), 500):
        await repository.upsert(db, rows[start : start + 500])
    return ids


@pytest.fixture
async def dead_ai(runtime: Runtime, tmp_path: Path) -> AsyncIterator[AIClient]:
    """A signing key but nothing listening: every call is refused at connect."""
    key = tmp_path / "service-token.key"
    key.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    settings = runtime.settings.model_copy(update={"ai_service_private_key_file": key})
    runtime.settings = settings
    client = AIClient(
        f"http://127.0.0.1:{free_port()}",
        private_key_path(settings),
        max_attempts=1,
        breaker=CircuitBreaker(),
    )
    install_client(settings, client)
    yield client
    install_client(settings, None)
