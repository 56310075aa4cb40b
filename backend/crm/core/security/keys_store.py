"""The key store: organisations' wrapped keys in ``organization_keys``, unwrapped and cached in-process.

``org_cipher`` costs a dictionary look-up while the cache is fresh; after ``cache_ttl``
seconds it re-reads the organisation's key rows (one indexed query) so that every
process learns about a rotation within that time. Unwrapped keys live only inside
``OrgCipher`` objects (AESGCM instances), never in logs, reprs or the database.

Key rows this process wrote in a transaction that may still roll back are used but not
cached until a transaction with no writes of its own (so seeing only committed rows)
reads them back: a rolled-back key can never encrypt data in a later transaction.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import event, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from crm.core.security.crypto_cipher import GlobalSealer, OrgCipher
from crm.core.security.crypto_providers import KEY_BYTES, CryptoError, KeyProvider
from crm.models.keys import OrganizationKey

DEFAULT_CACHE_TTL = 60.0
T = TypeVar("T")

_LOAD = text(
    "SELECT app_current_org() AS scope, pg_current_xact_id_if_assigned() IS NULL AS clean,"
    " k.id, k.purpose, k.version, k.state, k.master_key_id, k.wrapped_key"
    " FROM (SELECT 1) AS one LEFT JOIN organization_keys k ON k.organization_id = :org"
)


class WrongTenant(CryptoError):
    """The session is not scoped to the organisation whose keys were asked for."""


def wrap_context(organization_id: uuid.UUID, purpose: str, version: int) -> bytes:
    """Binds a wrapped key to its organisation, purpose and version (no row can be swapped in)."""
    return b"org-key|" + organization_id.bytes + f"|{purpose}|{version}".encode()


@dataclass(frozen=True)
class KeyRow:
    id: uuid.UUID
    purpose: str
    version: int
    state: str
    master_key_id: str
    wrapped_key: bytes


@dataclass
class _Entry:
    cipher: OrgCipher
    fingerprint: tuple[tuple[uuid.UUID, str], ...]
    loaded_at: float


def _fingerprint(rows: Sequence[KeyRow]) -> tuple[tuple[uuid.UUID, str], ...]:
    # Row ids, not versions: a key re-created after a rollback has a new id.
    return tuple(sorted((row.id, row.state) for row in rows))


class KeyStore:
    """One per process (per master key source): see ``crm.core.security.crypto.keystore_for``."""

    def __init__(
        self, provider: KeyProvider, *, cache_ttl: float = DEFAULT_CACHE_TTL, max_cached_orgs: int = 10_000
    ) -> None:
        self.provider = provider
        self.cache_ttl = cache_ttl
        self.max_cached_orgs = max_cached_orgs
        self.sealer = GlobalSealer(provider)
        self._cache: dict[uuid.UUID, _Entry] = {}
        # Organisations whose key rows this process changed in a transaction not yet known to commit.
        self._unconfirmed: set[uuid.UUID] = set()

    def __repr__(self) -> str:
        return f"KeyStore(provider={self.provider!r}, cached_orgs={len(self._cache)})"

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        if self.provider.blocking:
            return await asyncio.to_thread(fn, *args)
        return fn(*args)

    # -- organisations' ciphers -------------------------------------------------------------

    async def org_cipher(self, session: AsyncSession, organization_id: uuid.UUID) -> OrgCipher:
        """The organisation's cipher; creates its keys on first use (the session must be scoped to it)."""
        entry = self._cache.get(organization_id)
        now = time.monotonic()
        if entry is not None and now - entry.loaded_at < self.cache_ttl:
            return entry.cipher
        rows, clean = await self._load(session, organization_id)
        if clean:
            self._unconfirmed.discard(organization_id)
        if not _complete(rows):
            self.mark_changed(organization_id, session)
            await self._create_missing(session, organization_id, rows)
            rows, clean = await self._load(session, organization_id)
        fingerprint = _fingerprint(rows)
        if entry is not None and entry.fingerprint == fingerprint:
            # The very rows cached before (committed then): the cache is confirmed fresh.
            entry.loaded_at = now
            return entry.cipher
        cipher = await self._build(organization_id, rows)
        if clean or organization_id not in self._unconfirmed:
            if len(self._cache) >= self.max_cached_orgs:
                self._cache.pop(next(iter(self._cache)))
            self._cache[organization_id] = _Entry(cipher, fingerprint, now)
        return cipher

    def mark_changed(self, organization_id: uuid.UUID, session: AsyncSession | None = None) -> None:
        """This process is changing the organisation's key rows: stop caching what a transaction
        with writes sees until ``session`` commits (or a transaction with no writes reads them)."""
        self._unconfirmed.add(organization_id)
        self._cache.pop(organization_id, None)
        if session is not None:

            def committed(_: Session) -> None:
                self._unconfirmed.discard(organization_id)

            event.listen(session.sync_session, "after_commit", committed, once=True)

    def forget(self, organization_id: uuid.UUID | None = None) -> None:
        """Drop cached keys (all, or one organisation's): the next use re-reads them."""
        if organization_id is None:
            self._cache.clear()
        else:
            self._cache.pop(organization_id, None)

    async def _load(self, session: AsyncSession, organization_id: uuid.UUID) -> tuple[list[KeyRow], bool]:
        result = (await session.execute(_LOAD, {"org": organization_id})).all()
        scope = result[0].scope
        if scope != organization_id:
            raise WrongTenant("the session is not scoped to this organisation (call set_tenant first)")
        rows = [
            KeyRow(r.id, r.purpose, r.version, r.state, r.master_key_id, bytes(r.wrapped_key))
            for r in result
            if r.purpose is not None
        ]
        return rows, bool(result[0].clean)

    async def _build(self, organization_id: uuid.UUID, rows: Sequence[KeyRow]) -> OrgCipher:
        data_keys: dict[int, bytes] = {}
        active: int | None = None
        index_root: bytes | None = None
        for row in rows:
            key = await self._call(
                self.provider.unwrap,
                row.master_key_id,
                row.wrapped_key,
                wrap_context(organization_id, row.purpose, row.version),
            )
            if row.purpose == "data":
                data_keys[row.version] = key
                if row.state == "active":
                    active = row.version
            elif row.purpose == "index" and row.state == "active":
                index_root = key
        if active is None or index_root is None:
            raise CryptoError("the organisation has no active data key or index key")
        return OrgCipher(organization_id, data_keys, active, index_root)

    def _wrap_new(self, organization_id: uuid.UUID, purpose: str, version: int) -> tuple[str, bytes]:
        return self.provider.wrap(
            secrets.token_bytes(KEY_BYTES), wrap_context(organization_id, purpose, version)
        )

    async def _create_missing(
        self, session: AsyncSession, organization_id: uuid.UUID, rows: Sequence[KeyRow]
    ) -> None:
        have_active = {row.purpose for row in rows if row.state == "active"}
        now = dt.datetime.now(dt.UTC)
        for purpose in ("data", "index"):
            if purpose in have_active:
                continue
            if any(row.purpose == purpose for row in rows):
                raise CryptoError(f"the organisation's {purpose} keys exist but none is active")
            master_key_id, wrapped = await self._call(self._wrap_new, organization_id, purpose, 1)
            # Two first uses racing: the loser waits on the unique index, then keeps the winner's key.
            await session.execute(
                insert(OrganizationKey)
                .values(
                    organization_id=organization_id,
                    purpose=purpose,
                    version=1,
                    state="active",
                    master_key_id=master_key_id,
                    wrapped_key=wrapped,
                    activated_at=now,
                )
                .on_conflict_do_nothing(index_elements=["organization_id", "purpose", "version"])
            )

    # -- rotation primitives (used by crm.keys) ---------------------------------------------

    async def add_data_key(self, session: AsyncSession, organization_id: uuid.UUID) -> int:
        """Add the next data key version as ``pending`` (decrypts everywhere, encrypts nothing yet)."""
        await self.org_cipher(session, organization_id)  # make sure version 1 exists
        self.mark_changed(organization_id, session)
        versions = (
            await session.execute(
                select(OrganizationKey.version, OrganizationKey.state)
                .where(OrganizationKey.organization_id == organization_id, OrganizationKey.purpose == "data")
                .with_for_update()
            )
        ).all()
        if any(state == "pending" for _, state in versions):
            raise CryptoError("a data key rotation is already pending for this organisation")
        version = max(v for v, _ in versions) + 1
        master_key_id, wrapped = await self._call(self._wrap_new, organization_id, "data", version)
        session.add(
            OrganizationKey(
                organization_id=organization_id,
                purpose="data",
                version=version,
                state="pending",
                master_key_id=master_key_id,
                wrapped_key=wrapped,
            )
        )
        await session.flush()
        return version

    async def rewrap(self, session: AsyncSession, organization_id: uuid.UUID) -> int:
        """Re-wrap the organisation's keys under the active master key; returns how many changed.

        The keys themselves do not change, so every stored value still decrypts.
        """
        active = self.provider.active_key_id
        rows = (
            await session.execute(
                select(
                    OrganizationKey.id,
                    OrganizationKey.purpose,
                    OrganizationKey.version,
                    OrganizationKey.master_key_id,
                    OrganizationKey.wrapped_key,
                )
                .where(
                    OrganizationKey.organization_id == organization_id,
                    OrganizationKey.master_key_id != active,
                )
                .with_for_update()
            )
        ).all()
        for row in rows:
            context = wrap_context(organization_id, row.purpose, row.version)
            key = await self._call(self.provider.unwrap, row.master_key_id, bytes(row.wrapped_key), context)
            master_key_id, wrapped = await self._call(self.provider.wrap, key, context)
            await session.execute(
                update(OrganizationKey)
                .where(OrganizationKey.id == row.id)
                .values(master_key_id=master_key_id, wrapped_key=wrapped)
                .execution_options(synchronize_session=False)
            )
        return len(rows)

    # -- global secrets ----------------------------------------------------------------------

    def seal_global(self, plaintext: bytes, aad: bytes) -> bytes:
        return self.sealer.seal(plaintext, aad)

    def open_global(self, ciphertext: bytes, aad: bytes) -> bytes:
        return self.sealer.open(ciphertext, aad)

    def global_needs_reseal(self, ciphertext: bytes) -> bool:
        return self.sealer.needs_reseal(ciphertext)


def _complete(rows: Sequence[KeyRow]) -> bool:
    active = {row.purpose for row in rows if row.state == "active"}
    return {"data", "index"} <= active
