"""One suite for both cache drivers: in-process, and Redis (the real server)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from crm.core.cache import Cache, CacheUnavailable, MemoryCache, Message, RedisCache, make_cache
from crm.core.config import load_settings
from tests.fixtures.redis import free_port


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    # A prefix per test: the shared Redis may hold other runs' keys, and is never flushed.
    prefix = f"crm-test:{uuid.uuid4().hex}:"
    if request.param == "memory":
        yield MemoryCache(prefix)
        return
    redis_url: str = request.getfixturevalue("redis_url")
    made = make_cache(load_settings(cache_driver="redis", redis_url=redis_url), prefix=prefix)
    assert isinstance(made, RedisCache)
    try:
        yield made
    finally:
        keys = [key async for key in made.redis.scan_iter(match=prefix + "*")]
        if keys:
            await made.redis.delete(*keys)
        await made.close()


async def test_get_set_delete(cache: Cache) -> None:
    assert await cache.get("missing") is None
    await cache.set("greeting", "hello")
    await cache.set("blob", b"\x00\xff")
    assert await cache.get("greeting") == b"hello"
    assert await cache.get("blob") == b"\x00\xff"
    assert await cache.delete("greeting") is True
    assert await cache.delete("greeting") is False
    assert await cache.get("greeting") is None


async def test_values_expire(cache: Cache) -> None:
    await cache.set("short", "x", ttl=0.15)
    await cache.set("long", "y", ttl=30)
    await cache.set("forever", "z")
    remaining = await cache.ttl("long")
    assert remaining is not None and 29 < remaining <= 30
    assert await cache.ttl("forever") is None
    assert await cache.ttl("missing") is None
    await asyncio.sleep(0.3)
    assert await cache.get("short") is None
    assert await cache.get("long") == b"y"
    with pytest.raises(ValueError, match="positive"):
        await cache.set("bad", "x", ttl=0)


async def test_rate_limit_counter_keeps_its_window(cache: Cache) -> None:
    assert await cache.incr("rl:ip", ttl=0.4) == 1
    await asyncio.sleep(0.15)
    # Later hits count but do not push the window's end back.
    assert await cache.incr("rl:ip", ttl=0.4) == 2
    assert await cache.incr("rl:ip", amount=3, ttl=0.4) == 5
    remaining = await cache.ttl("rl:ip")
    assert remaining is not None and remaining < 0.3
    assert await cache.get("rl:ip") == b"5"
    await asyncio.sleep(0.35)
    assert await cache.incr("rl:ip", ttl=0.4) == 1  # a new window


async def test_counter_without_ttl_gains_one(cache: Cache) -> None:
    assert await cache.incr("c") == 1
    assert await cache.ttl("c") is None
    assert await cache.incr("c", ttl=10) == 2  # a counter never left without expiry once asked
    assert (await cache.ttl("c") or 0) > 9


async def test_incr_on_a_non_counter(cache: Cache) -> None:
    await cache.set("text", "abc")
    with pytest.raises(ValueError):
        await cache.incr("text")


async def test_publish_subscribe(cache: Cache) -> None:
    assert await cache.publish("deals", "nobody listens") == 0
    async with cache.subscribe("deals", "contacts") as sub:
        assert await cache.publish("deals", "d1") == 1
        assert await cache.publish("contacts", b"c1") == 1
        assert await cache.publish("other", "x") == 0
        received = [await sub.get(timeout=2), await sub.get(timeout=2)]
        assert received == [Message("deals", b"d1"), Message("contacts", b"c1")]
        assert await sub.get(timeout=0.1) is None
    # Redis drops the subscription when it sees the connection close, a moment later.
    for _ in range(50):
        if await cache.publish("deals", "after close") == 0:
            break
        await asyncio.sleep(0.02)
    else:
        pytest.fail("the closed subscription still receives messages")


async def test_every_subscriber_gets_each_message(cache: Cache) -> None:
    async with cache.subscribe("room") as first, cache.subscribe("room") as second:
        assert await cache.publish("room", "hi") == 2
        assert await first.get(timeout=2) == Message("room", b"hi")
        assert await second.get(timeout=2) == Message("room", b"hi")


async def test_subscription_iterates(cache: Cache) -> None:
    async with cache.subscribe("feed") as sub:

        async def collect() -> list[bytes]:
            out = []
            async for message in sub:
                out.append(message.data)
                if len(out) == 3:
                    break
            return out

        task = asyncio.create_task(collect())
        for n in range(3):
            await cache.publish("feed", str(n))
        assert await asyncio.wait_for(task, 2) == [b"0", b"1", b"2"]


async def test_prefixes_separate_namespaces(cache: Cache) -> None:
    await cache.set("k", "mine")
    if isinstance(cache, RedisCache):
        other: Cache = RedisCache(cache.redis, prefix=cache.prefix + "other:")
        assert await other.get("k") is None
        assert await cache.redis.get(cache.prefix + "k") == b"mine"


async def test_ping(cache: Cache) -> None:
    await cache.ping()


async def test_memory_cache_is_bounded() -> None:
    cache = MemoryCache(max_entries=3)
    for key in "abcd":
        await cache.set(key, key)
    assert await cache.get("a") is None  # least recently used went first
    assert await cache.get("d") == b"d"


async def test_memory_subscriber_that_stalls_loses_messages_not_memory() -> None:
    cache = MemoryCache()
    async with cache.subscribe("busy") as sub:
        for n in range(1500):
            await cache.publish("busy", str(n))
        assert (await sub.get(timeout=1)) == Message("busy", b"0")
        assert await cache.publish("busy", "late") == 1


async def test_redis_down_is_a_503() -> None:
    cache = RedisCache.from_url(f"redis://127.0.0.1:{free_port()}/0")
    try:
        with pytest.raises(CacheUnavailable) as raised:
            await cache.ping()
        assert raised.value.status_code == 503
        with pytest.raises(CacheUnavailable):
            await cache.get("k")
    finally:
        await cache.close()


def test_make_cache_picks_the_driver() -> None:
    assert isinstance(make_cache(load_settings()), MemoryCache)
