"""Brute-force defence for sign-in and other unauthenticated endpoints.

Counters live in the cache (in-process by default, Redis in production): per IP and
per account, fixed windows. Failures slow the next attempt down progressively, and too
many lock the account temporarily. Unknown accounts are counted exactly like real ones,
so the answers never reveal which e-mails exist.
"""

from __future__ import annotations

import asyncio
import hashlib
import math

from crm.core.cache import Cache
from crm.core.errors import TooManyRequests

IP_LIMIT = 30  # attempts per IP per window (CRM_SIGNIN_ATTEMPTS_PER_IP)
ACCOUNT_LIMIT = 10  # failures per account per window before a lockout
WINDOW_S = 900.0
LOCKOUT_S = 900.0
MAX_DELAY_S = 4.0
DELAY_BASE_S = 0.25  # the third failure waits this long, each further one twice as long


def _account_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


class SignInGuard:
    def __init__(self, cache: Cache, ip_limit: int = IP_LIMIT) -> None:
        self.cache = cache
        self.ip_limit = ip_limit

    async def before_attempt(self, ip: str | None, email: str) -> None:
        """Refuse when the IP is over its budget or the account is locked; else wait out the delay."""
        if ip is not None:
            attempts = await self.cache.incr(f"rl:ip:{ip}", ttl=WINDOW_S)
            if attempts > self.ip_limit:
                raise self._too_many(await self.cache.ttl(f"rl:ip:{ip}"))
        account = _account_key(email)
        locked_for = await self.cache.ttl(f"rl:lock:{account}")
        if locked_for is not None:
            raise self._too_many(locked_for)
        failures_raw = await self.cache.get(f"rl:fail:{account}")
        failures = int(failures_raw) if failures_raw else 0
        if failures >= 3:
            await asyncio.sleep(min(MAX_DELAY_S, DELAY_BASE_S * 2 ** (failures - 3)))

    async def failed(self, email: str) -> None:
        account = _account_key(email)
        failures = await self.cache.incr(f"rl:fail:{account}", ttl=WINDOW_S)
        if failures >= ACCOUNT_LIMIT:
            await self.cache.set(f"rl:lock:{account}", b"1", ttl=LOCKOUT_S)
            await self.cache.delete(f"rl:fail:{account}")

    async def succeeded(self, email: str) -> None:
        await self.cache.delete(f"rl:fail:{_account_key(email)}")

    async def limit(self, bucket: str, key: str, limit: int, window_s: float = WINDOW_S) -> None:
        """A plain fixed-window limit for other unauthenticated endpoints (sign-up, reset)."""
        count = await self.cache.incr(f"rl:{bucket}:{key}", ttl=window_s)
        if count > limit:
            raise self._too_many(await self.cache.ttl(f"rl:{bucket}:{key}"))

    @staticmethod
    def _too_many(retry_after: float | None) -> TooManyRequests:
        seconds = max(1, math.ceil(retry_after or WINDOW_S))
        return TooManyRequests(
            "too many attempts; try again later", code="rate_limited", headers={"Retry-After": str(seconds)}
        )
