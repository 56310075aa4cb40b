"""The backend's client of the AI service: service token per attempt, timeouts, retries, circuit breaker.

Browsers never reach the AI service; every call goes through here, signed for one organisation
(the token carries its id, so the AI service keeps each organisation's models apart). When the
service is down, slow or refuses us, callers get ``AIUnavailable`` (503 with ``Retry-After``) and
the rest of the CRM carries on; background jobs raise it too, and their retry strategy backs off.

Only idempotent calls (scoring, sentiment, reading the registry) are retried. Training is not,
except when the connection was never made (the request cannot have reached the service).
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from crm.ai.service_token import PRIVATE_KEY_FILENAME, load_private_key, mint_service_token
from crm.core.config import Settings
from crm.core.errors import AppError, Conflict, PayloadTooLarge, ServiceUnavailable
from crm.core.telemetry import request_id_var

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({502, 503, 504})
DEFAULT_RETRY_AFTER = 10


class AIUnavailable(ServiceUnavailable):
    """The AI service cannot answer now: 503 with ``Retry-After`` (seconds)."""

    code = "ai_unavailable"

    def __init__(self, detail: str, retry_after: int = DEFAULT_RETRY_AFTER) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(detail, headers={"Retry-After": str(self.retry_after)})


class NotEnoughData(Conflict):
    """Training asked for more history than the organisation has: an explicit state, never a number."""

    code = "not_enough_data"


class AIRejected(AppError):
    """The AI service refused the payload we built from the caller's input."""

    status_code = 400
    code = "ai_rejected"

    def __init__(self, detail: str, upstream: str = "") -> None:
        super().__init__(detail)
        self.upstream = upstream  # the AI service's own error code, for callers that branch on it


@dataclass(frozen=True)
class CallTimeout:
    """``read`` bounds one attempt; ``total`` bounds the call with its retries and back-off."""

    read: float
    total: float
    connect: float = 2.0


INTERACTIVE = CallTimeout(read=5.0, total=8.0)
BATCH = CallTimeout(read=60.0, total=120.0)
TRAINING = CallTimeout(read=600.0, total=600.0)


class CircuitBreaker:
    """Closed -> open after ``threshold`` consecutive failures -> half-open after ``reset_after``
    seconds, when a single probe may go through: its success closes the circuit, its failure
    re-opens it. While open, calls fail at once instead of piling up on a dead service."""

    def __init__(
        self, threshold: int = 5, reset_after: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = threshold
        self.reset_after = reset_after
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False
        self._lock = threading.Lock()

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half_open" if self._clock() - self._opened_at >= self.reset_after else "open"

    def retry_after(self) -> int:
        with self._lock:
            if self._opened_at is None:
                return DEFAULT_RETRY_AFTER
            return max(1, math.ceil(self.reset_after - (self._clock() - self._opened_at)))

    def allow(self) -> bool:
        """May a call go out now? In half-open, only one probe at a time."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._clock() - self._opened_at < self.reset_after or self._probing:
                return False
            self._probing = True
            return True

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probing = False

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._probing or self._failures >= self.threshold:
                self._opened_at = self._clock()
            self._probing = False


class AIClient:
    def __init__(
        self,
        base_url: str,
        private_key_path: Path,
        *,
        max_attempts: int = 3,
        backoff: float = 0.2,
        breaker: CircuitBreaker | None = None,
        cap_seconds: float | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.private_key_path = private_key_path
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.breaker = breaker or CircuitBreaker()
        # Upper bound on any call's time, whatever its kind (tests of a slow service use it).
        self.cap_seconds = cap_seconds
        self._key: tuple[float, Any] | None = None  # (mtime, key): re-read when the file changes
        self._http: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- plumbing ------------------------------------------------------------------------------

    def _private_key(self) -> Any:
        try:
            mtime = self.private_key_path.stat().st_mtime
        except OSError:
            # Not a failure of the service: nothing to count in the breaker, the set-up is missing.
            log.warning("AI service key missing", extra={"path": str(self.private_key_path)})
            raise AIUnavailable("AI features are not set up on this server (no service key)", 60) from None
        if self._key is None or self._key[0] != mtime:
            self._key = (mtime, load_private_key(self.private_key_path.read_bytes()))
        return self._key[1]

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        # An AsyncClient's pool belongs to the loop that opened it (tests and CLIs run several).
        if self._http is None or self._loop is not loop:
            self._http = httpx.AsyncClient(
                base_url=self.base_url,
                limits=httpx.Limits(max_connections=50, max_keepalive_connections=10),
            )
            self._loop = loop
        return self._http

    async def close(self) -> None:
        if self._http is not None and self._loop is asyncio.get_running_loop():
            await self._http.aclose()
        self._http = None

    # --- calls ---------------------------------------------------------------------------------

    async def call(
        self,
        method: str,
        path: str,
        *,
        org_id: str,
        subject: str | None = None,
        json: Any = None,
        content: bytes | None = None,
        content_type: str | None = None,
        params: dict[str, str] | None = None,
        idempotent: bool,
        limits: CallTimeout = INTERACTIVE,
    ) -> Any:
        """One call for organisation ``org_id``; the decoded JSON body on 2xx. ``content`` sends raw
        bytes (an audio file) with ``content_type`` instead of a JSON body."""
        key = self._private_key()
        if self.cap_seconds is not None:
            cap = self.cap_seconds
            limits = CallTimeout(min(limits.read, cap), min(limits.total, cap), min(limits.connect, cap))
        started = time.monotonic()
        attempts = self.max_attempts if idempotent else 1
        problem = "no attempt made"
        retry_after = DEFAULT_RETRY_AFTER
        attempt = 0
        while True:
            attempt += 1
            if not self.breaker.allow():
                raise AIUnavailable(
                    "the AI service is unavailable; try again shortly", self.breaker.retry_after()
                )
            remaining = limits.total - (time.monotonic() - started)
            headers = {"Authorization": "Bearer " + mint_service_token(key, org_id, subject=subject)}
            request_id = request_id_var.get()
            if request_id:
                headers["X-Request-ID"] = request_id
            if content_type:
                headers["Content-Type"] = content_type
            per_try = httpx.Timeout(min(limits.read, max(remaining, 0.1)), connect=limits.connect)
            never_sent = False
            try:
                response = await self._client().request(
                    method, path, json=json, content=content, params=params, headers=headers, timeout=per_try
                )
            except httpx.TransportError as exc:
                self.breaker.record_failure()
                never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                problem = "timed out" if isinstance(exc, httpx.TimeoutException) else "unreachable"
                log.warning(
                    "AI service call failed",
                    extra={"path": path, "org_id": org_id, "reason": type(exc).__name__, "attempt": attempt},
                )
            else:
                if response.status_code not in RETRYABLE_STATUS and response.status_code < 500:
                    if response.status_code == 401:
                        self.breaker.record_failure()
                        log.error("AI service refused our service token: do the key pair halves match?")
                        raise AIUnavailable("the AI service refused this server's credentials", 60)
                    self.breaker.record_success()
                    return _decode(response)
                self.breaker.record_failure()
                problem = f"answered {response.status_code}"
                retry_after = _retry_after(response) or DEFAULT_RETRY_AFTER
                log.warning(
                    "AI service error",
                    extra={
                        "path": path,
                        "org_id": org_id,
                        "status": response.status_code,
                        "attempt": attempt,
                    },
                )
                if response.status_code not in RETRYABLE_STATUS:
                    attempts = attempt  # a 500 is a bug there: retrying will not help
            wait = self.backoff * (2 ** (attempt - 1)) * (0.5 + random.random())  # noqa: S311 - jitter
            retryable = attempt < attempts or (never_sent and attempt < self.max_attempts)
            if not retryable or time.monotonic() - started + wait >= limits.total:
                break
            await asyncio.sleep(wait)
        if self.breaker.state != "closed":
            retry_after = max(retry_after, self.breaker.retry_after())
        raise AIUnavailable(f"the AI service {problem}; try again shortly", retry_after)


def _retry_after(response: httpx.Response) -> int | None:
    value = response.headers.get("retry-after", "")
    return int(value) if value.isdigit() else None


def _decode(response: httpx.Response) -> Any:
    if response.is_success:
        return response.json()
    try:
        body = response.json()
        code, detail = str(body.get("error", "")), str(body.get("detail", ""))
    except ValueError:
        code, detail = "", response.text[:200]
    if response.status_code == 409 and code == "not_enough_data":
        raise NotEnoughData(detail)
    if response.status_code == 413:
        raise PayloadTooLarge(detail or "too large for the AI service", code="payload_too_large")
    raise AIRejected(detail or f"the AI service refused the request ({response.status_code})", code)


# --- one client per AI service per process ------------------------------------------------------

_clients: dict[tuple[str, str], AIClient] = {}
_guard = threading.Lock()


def private_key_path(settings: Settings) -> Path:
    """Configured key, or the embedded run's dev pair that ``crm-ai`` creates in ``<data_dir>/ai/keys``."""
    return settings.ai_service_private_key_file or settings.data_dir / "ai" / "keys" / PRIVATE_KEY_FILENAME


def client_for(settings: Settings) -> AIClient:
    """The process's client for the configured AI service (its breaker is shared by every caller)."""
    key = (str(settings.ai_service_url), str(private_key_path(settings)))
    with _guard:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = AIClient(key[0], Path(key[1]))
        return client


def install_client(settings: Settings, client: AIClient | None) -> None:
    """Use ``client`` for these settings (tests: short timeouts, a fresh breaker); None forgets it."""
    key = (str(settings.ai_service_url), str(private_key_path(settings)))
    with _guard:
        if client is None:
            _clients.pop(key, None)
        else:
            _clients[key] = client


async def close_clients() -> None:
    for client in list(_clients.values()):
        await client.close()
