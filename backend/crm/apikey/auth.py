"""Authenticating a request made with an API key.

A key reads ``crm_key_<public id>_<secret>``. The public id finds the row before the tenant is
known (the ``auth_api_key`` SECURITY DEFINER function, never RLS switched off); the SHA-256 of the
secret, compared in constant time, proves it. The key then acts with exactly its stored cells.

Every request made with a key authenticates it, so the looked-up record is cached briefly (and
dropped on revocation), and last use is written at most once a minute per key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import re
import secrets
import uuid

from crm.apikey import repository
from crm.auth.access import API_KEY_PREFIX
from crm.auth.permissions import Action, Scope, is_valid_cell
from crm.auth.principal import ActorType, Principal
from crm.core.cache import Cache
from crm.core.db import unit_of_work
from crm.core.errors import Unauthorized
from crm.core.runtime import Runtime
from crm.core.telemetry import request_id_var

log = logging.getLogger(__name__)

PUBLIC_ID_BYTES = 10
_PUBLIC_ID = re.compile(r"^[0-9a-f]{20}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
RECORD_TTL_S = 60.0  # how long a looked-up key is trusted without asking the database again
TOUCH_EVERY = dt.timedelta(seconds=60)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}
# Compared against when no key matches, so a miss costs what a hit does.
_NO_SUCH_HASH = hashlib.sha256(b"no such key").digest()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def secret_hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def mint() -> tuple[str, str, bytes]:
    """A new key: its public id, the full token for the client, and the hash the database keeps."""
    public_id = secrets.token_hex(PUBLIC_ID_BYTES)
    secret = secrets.token_urlsafe(32)
    return public_id, f"{API_KEY_PREFIX}{public_id}_{secret}", secret_hash(secret)


def split_token(token: str) -> tuple[str, str] | None:
    """(public id, secret) of a well-formed key, else None."""
    if not token.startswith(API_KEY_PREFIX):
        return None
    public_id, separator, secret = token[len(API_KEY_PREFIX) :].partition("_")
    if not separator or not _PUBLIC_ID.match(public_id) or not _SECRET.match(secret):
        return None
    return public_id, secret


def permissions_of(stored: dict[str, str]) -> dict[tuple[str, Action], Scope]:
    """A key's cells as a principal holds them; cells the matrix no longer has are dropped."""
    cells: dict[tuple[str, Action], Scope] = {}
    for cell, scope in stored.items():
        resource, _, action = cell.partition(":")
        valid = action in Action.__members__ and scope in ("own", "team", "all")
        if valid and is_valid_cell(resource, Action(action)):
            cells[(resource, Action(action))] = Scope[scope]
    return cells


def _record_key(public_id: str) -> str:
    return f"apikey:{public_id}"


async def forget(cache: Cache, public_id: str) -> None:
    await cache.delete(_record_key(public_id))


def _dump(record: repository.KeyRecord) -> str:
    return json.dumps(
        {
            "id": str(record.id),
            "org": str(record.organization_id),
            "hash": record.secret_hash.hex(),
            "permissions": record.permissions,
            "expires_at": record.expires_at.isoformat() if record.expires_at else None,
            "revoked_at": record.revoked_at.isoformat() if record.revoked_at else None,
        }
    )


def _load(raw: bytes) -> repository.KeyRecord:
    data = json.loads(raw)
    return repository.KeyRecord(
        id=uuid.UUID(data["id"]),
        organization_id=uuid.UUID(data["org"]),
        secret_hash=bytes.fromhex(data["hash"]),
        permissions=data["permissions"],
        expires_at=dt.datetime.fromisoformat(data["expires_at"]) if data["expires_at"] else None,
        revoked_at=dt.datetime.fromisoformat(data["revoked_at"]) if data["revoked_at"] else None,
    )


async def _record(runtime: Runtime, public_id: str) -> repository.KeyRecord | None:
    raw = await runtime.cache.get(_record_key(public_id))
    if raw is not None:
        return _load(raw)
    async with unit_of_work(runtime.sessions) as session:
        record = await repository.lookup(session, public_id)
    # Misses are not cached: guessed ids would only fill the cache.
    if record is not None:
        await runtime.cache.set(_record_key(public_id), _dump(record), ttl=RECORD_TTL_S)
    return record


def _refuse(reason: str) -> Unauthorized:
    log.info("API key refused", extra={"reason": reason})
    return Unauthorized("invalid or expired token", code="invalid_token", headers=_CHALLENGE)


def _valid_ip(ip: str | None) -> str | None:
    if ip is None:
        return None
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None


async def _touch(runtime: Runtime, record: repository.KeyRecord, ip: str | None) -> None:
    # One writer per key per minute across every process sharing the cache; the SQL guard keeps
    # it so when the cache forgets (restart, eviction).
    if await runtime.cache.incr(f"apikey:used:{record.id}", ttl=TOUCH_EVERY.total_seconds()) != 1:
        return
    async with unit_of_work(runtime.sessions, record.organization_id) as session:
        await repository.touch(session, record.id, at=now(), ip=_valid_ip(ip), every=TOUCH_EVERY)


async def authenticate_api_key(runtime: Runtime, token: str, ip: str | None) -> Principal:
    """The principal of a presented key; 401 ``invalid_token`` for anything unknown, forged,
    revoked or expired, with the same answer for each."""
    parts = split_token(token)
    if parts is None:
        raise _refuse("malformed")
    public_id, secret = parts
    record = await _record(runtime, public_id)
    presented = secret_hash(secret)
    if not hmac.compare_digest(presented, record.secret_hash if record else _NO_SUCH_HASH) or record is None:
        raise _refuse("unknown key or wrong secret")
    if record.revoked_at is not None:
        raise _refuse("revoked")
    if record.expires_at is not None and record.expires_at <= now():
        raise _refuse("expired")
    await _touch(runtime, record, ip)
    return Principal(
        actor_type=ActorType.api_key,
        organization_id=record.organization_id,
        user_id=None,
        role=None,
        permissions=permissions_of(record.permissions),
        api_key_id=record.id,
        ip=ip,
        request_id=request_id_var.get(),
    )
