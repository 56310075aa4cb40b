"""The process's shared resources: settings, database engine, cache, storage.

Built once by the API's lifespan, by a worker, or by a CLI command, and closed when
they stop. Tests build their own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from crm.core.cache import Cache, make_cache
from crm.core.config import Settings
from crm.core.db import DatabaseUrls, make_engine, make_sessionmaker, resolve_urls
from crm.core.security import passwords
from crm.core.security.tokens import Keyring
from crm.core.storage import Storage, make_storage


@dataclass
class Runtime:
    settings: Settings
    urls: DatabaseUrls
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    cache: Cache
    storage: Storage
    keyring: Keyring

    async def close(self) -> None:
        from crm.ai.client import close_clients

        await close_clients()
        await self.cache.close()
        await self.engine.dispose()


_current: Runtime | None = None


def build_runtime(settings: Settings, urls: DatabaseUrls | None = None) -> Runtime:
    urls = urls or resolve_urls(settings)
    passwords.configure(settings.password_hash_profile)
    engine = make_engine(urls.app, pool_size=settings.database_pool_size)
    return Runtime(
        settings=settings,
        urls=urls,
        engine=engine,
        sessions=make_sessionmaker(engine),
        cache=make_cache(settings),
        storage=make_storage(settings),
        # Embedded runs make their first key; a configured folder must already hold keys.
        keyring=Keyring.load(settings.resolved_jwt_keys_dir, create=settings.jwt_keys_dir is None),
    )


def install_runtime(runtime: Runtime | None) -> None:
    global _current
    _current = runtime


def get_runtime() -> Runtime:
    if _current is None:
        raise RuntimeError("runtime not started")
    return _current
