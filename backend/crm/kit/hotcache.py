"""Short-lived caching of hot reads (dashboards), invalidated by any write in the organisation.

Every write bumps the organisation's generation (after commit, see ``kit.records``); keys carry
the generation, so a write makes every cached aggregate of that organisation stale at once,
and the TTL bounds staleness if a bump is lost. Hits and misses are counted for the benchmark.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import Counter

from crm.core.cache import Cache

CACHE_REQUESTS = Counter("crm_hot_cache_requests_total", "Hot-read cache lookups", ["cache", "result"])


def _generation_key(organization_id: uuid.UUID) -> str:
    return f"gen:{organization_id}"


async def bump_generation(cache: Cache, organization_id: uuid.UUID) -> None:
    await cache.incr(_generation_key(organization_id), ttl=86_400)


async def cached_json(
    cache: Cache,
    name: str,
    organization_id: uuid.UUID,
    key: str,
    ttl: float,
    compute: Callable[[], Awaitable[Any]],
) -> Any:
    generation = await cache.get(_generation_key(organization_id))
    full_key = f"hot:{name}:{organization_id}:{(generation or b'0').decode()}:{key}"
    raw = await cache.get(full_key)
    if raw is not None:
        CACHE_REQUESTS.labels(name, "hit").inc()
        return json.loads(raw)
    CACHE_REQUESTS.labels(name, "miss").inc()
    value = await compute()
    await cache.set(full_key, json.dumps(value, default=str), ttl=ttl)
    return json.loads(json.dumps(value, default=str))
