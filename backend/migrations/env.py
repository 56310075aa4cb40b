"""Alembic runs as the database owner; the URL comes from settings (or the embedded server)."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from crm.core.config import get_settings
from crm.core.db import resolve_urls
from crm.models import Base

config = context.config
if config.config_file_name is not None and not config.attributes.get("skip_logging_config"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _owner_url() -> str:
    url = config.attributes.get("owner_url")
    if url:
        return str(url)
    return resolve_urls(get_settings()).owner


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    # Procrastinate's tables come from its own schema file, not from our models; each
    # organisation's vector index is made at run time by search_ensure_org_index (migration 0017).
    if name is not None and type_ == "index" and name.startswith("ix_embeddings_org_"):
        return False
    return not (type_ == "table" and name is not None and name.startswith("procrastinate_"))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_async_engine(_owner_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run `crm migrate`")
asyncio.run(_run_online())
