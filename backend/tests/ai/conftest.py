"""The real AI service for the backend's AI tests, run from ``ai/.venv`` as a subprocess.

One instance serves the session (its models take ~15-45 s to load). Outage tests start their own
disposable instance, stop or freeze it, and start it again, without touching the shared one.
Without ``ai/.venv`` the tests skip, or fail when ``CRM_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from pydantic import AnyHttpUrl
from sqlalchemy.ext.asyncio import AsyncSession

from crm.ai.client import AIClient, CircuitBreaker, install_client
from crm.ai.service_token import mint_service_token
from crm.core.config import REPO_ROOT, Settings
from crm.core.runtime import Runtime
from crm.models import Role
from tests.fixtures.people import Tenant
from tests.fixtures.redis import free_port

AI_EXECUTABLE = REPO_ROOT / "ai" / ".venv" / "bin" / "crm-ai"


def _unavailable(reason: str) -> None:
    if os.environ.get("CRM_REQUIRE_SERVICES") == "1":
        pytest.fail(f"the AI service is required (CRM_REQUIRE_SERVICES=1): {reason}", pytrace=False)
    pytest.skip(f"AI service tests need it installed: {reason}")


@dataclass
class AIService:
    """One ``crm-ai serve`` process with its own data folder and key pair."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def private_key(self) -> Path:
        return self.data_dir / "keys" / "service-token.key"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "service.log"

    def keygen(self) -> None:
        subprocess.run(
            [str(AI_EXECUTABLE), "keygen", "--dir", str(self.data_dir / "keys")],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_AI_")}
        env |= {
            "CRM_AI_DATA_DIR": str(self.data_dir),
            "CRM_AI_ENV": "test",
            "CRM_AI_LOG_LEVEL": "WARNING",
            "CRM_AI_SERVICE_TOKEN_PUBLIC_KEY_FILE": str(self.data_dir / "keys" / "service-token.pub"),
        }
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(AI_EXECUTABLE), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def wait_until(self, path: str, timeout: float) -> None:
        """Until ``path`` answers 200 to a signed request (or the process dies, or time runs out)."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"crm-ai exited with {self.process.returncode}: {self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                token = mint_service_token(self.private_key.read_bytes(), "readiness-probe")
                response = httpx.get(
                    self.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=2.0
                )
                if response.status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"crm-ai did not answer {path} within {timeout:.0f} s: {self.log_tail()}")
            time.sleep(0.25)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # in case a test froze it
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def freeze(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-1500:]
        except OSError:
            return ""


def _require_installed() -> None:
    if not AI_EXECUTABLE.exists():
        _unavailable(f"{AI_EXECUTABLE} is missing (see ai/README.md: Install)")


@pytest.fixture(scope="session")
def ai_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AIService]:
    """The shared AI service, every model loaded."""
    _require_installed()
    service = AIService(tmp_path_factory.mktemp("crm-ai"))
    service.keygen()
    service.start()
    try:
        service.wait_until("/readyz", timeout=300)
    except RuntimeError as exc:
        service.stop()
        _unavailable(str(exc))
    yield service
    service.stop()


@pytest.fixture
def disposable_ai_service(tmp_path: Path) -> Iterator[AIService]:
    """A private AI service a test may stop, freeze and restart. Lead scoring is served within
    seconds of the start (the sentiment models would take much longer and are not needed)."""
    _require_installed()
    service = AIService(tmp_path / "crm-ai")
    service.keygen()
    service.start()
    try:
        service.wait_until("/v1/lead-scoring/model", timeout=120)
    except RuntimeError as exc:
        service.stop()
        _unavailable(str(exc))
    yield service
    service.stop()


def point_at(runtime: Runtime, service: AIService, **client_options: object) -> AIClient:
    """Make the runtime call ``service`` through a fresh client (own breaker, own options)."""
    settings: Settings = runtime.settings.model_copy(
        update={"ai_service_url": AnyHttpUrl(service.url), "ai_service_private_key_file": service.private_key}
    )
    runtime.settings = settings
    client = AIClient(service.url, service.private_key, **client_options)  # type: ignore[arg-type]
    install_client(settings, client)
    return client


@pytest.fixture
async def ai(runtime: Runtime, ai_service: AIService) -> AsyncIterator[AIClient]:
    """The test's runtime wired to the shared AI service."""
    client = point_at(runtime, ai_service, breaker=CircuitBreaker(threshold=5, reset_after=1.0))
    yield client
    install_client(runtime.settings, None)
    await client.close()


async def audit_events(db: AsyncSession, organization_id: uuid.UUID, action: str) -> list[dict[str, object]]:
    from sqlalchemy import text

    from crm.core.db import set_tenant

    await set_tenant(db, organization_id)
    rows = await db.execute(
        text(
            "SELECT actor_type, actor_id, entity_type, entity_id, meta, changes FROM audit_events"
            " WHERE action = :action ORDER BY seq"
        ),
        {"action": action},
    )
    return [dict(row._mapping) for row in rows]


async def switch_off(db: AsyncSession, runtime: Runtime, tenant: Tenant, key: str) -> None:
    """An admin turns a feature off for the whole organisation."""
    from crm.flags import service as flags
    from tests.audit.conftest import principal

    admin = principal(tenant.id, user_id=tenant.people[Role.admin].user_id)
    await flags.set_override(db, runtime.cache, admin, key, enabled=False, role=None)
