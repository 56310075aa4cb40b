from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient

from crm_ai.app import create_app
from crm_ai.core.config import Settings
from crm_ai.core.models import ModelHub
from crm_ai.core.service_auth import ensure_keypair, load_private_key, mint_service_token

ORG = "0b6f5c1e-3f0e-4c59-9a53-6f1d8a1c2b77"


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    ensure_keypair(directory)
    return directory


@pytest.fixture(scope="session")
def private_key(key_dir: Path) -> Ed25519PrivateKey:
    return load_private_key((key_dir / "service-token.key").read_bytes())


@pytest.fixture(scope="session")
def loaded_hub() -> ModelHub:
    """Every model the service serves, loaded once for the whole run (MiniLM and whisper take seconds)."""
    from crm_ai.models_registry import register_all

    hub = ModelHub()
    register_all(hub, Settings(env="test", preload_models=False))
    hub.load_all()
    return hub


@pytest.fixture
def settings(key_dir: Path, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        data_dir=tmp_path / "data",
        service_token_public_key_file=key_dir / "service-token.pub",
        preload_models=False,
    )


@pytest.fixture
def plain_app(settings: Settings) -> FastAPI:
    """The service with no models: enough for auth, health and error plumbing."""
    return create_app(settings, hub=ModelHub())


@pytest.fixture
def client(plain_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(plain_app) as c:
        yield c


@pytest.fixture
def auth(private_key: Ed25519PrivateKey) -> Callable[..., dict[str, str]]:
    """Headers with a fresh token for an organisation, as the backend would send them."""

    def make(org_id: str = ORG, **kwargs: object) -> dict[str, str]:
        token = mint_service_token(private_key, org_id, **kwargs)  # type: ignore[arg-type]
        return {"Authorization": f"Bearer {token}"}

    return make
