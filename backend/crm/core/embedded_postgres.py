"""The embedded PostgreSQL (pgserver: PostgreSQL 16 + pgvector) used when no URL is configured.

pgserver listens on a Unix socket only and trusts local connections, so the app role
logs in without a password there. The data folder survives restarts; the server is
shared by every process that asks for the same folder and stops with the last one.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger(__name__)

_servers: dict[Path, object] = {}


def socket_dir_of(pgdata: Path) -> str:
    """Start (or join) the embedded server for ``pgdata`` and return its socket folder."""
    import pgserver

    pgdata = pgdata.resolve()
    pgdata.mkdir(parents=True, exist_ok=True)
    server = _servers.get(pgdata)
    if server is None:
        log.info("starting embedded PostgreSQL", extra={"pgdata": str(pgdata)})
        server = pgserver.get_server(pgdata, cleanup_mode="stop")  # type: ignore[attr-defined]
        _servers[pgdata] = server
    socket_dir = server.get_postmaster_info().socket_dir  # type: ignore[attr-defined]
    return str(socket_dir)


def embedded_url(pgdata: Path, *, user: str, database: str) -> str:
    """A SQLAlchemy URL reaching ``database`` on the embedded server as ``user``."""
    socket_dir = socket_dir_of(pgdata)
    return f"postgresql+psycopg://{quote(user)}@/{quote(database)}?host={quote(socket_dir)}"


def ensure_database(pgdata: Path, database: str) -> None:
    """Create ``database`` on the embedded server when it does not exist yet."""
    import psycopg

    socket_dir = socket_dir_of(pgdata)
    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')  # name is ours, never user input
