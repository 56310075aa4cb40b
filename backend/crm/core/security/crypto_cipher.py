"""Ciphertext formats and the per-organisation cipher (pure computation, no I/O).

Tenant value (``OrgCipher``)::

    0x01 | data key version (uint32, big endian) | nonce (12) | AES-256-GCM ciphertext + tag (16)

The associated data is the 5-byte header followed by the organisation id and the
length-prefixed table, column and row id, so a value copied to another row, column or
organisation (or relabelled with another key version) fails to authenticate.

Global value (``seal_global``)::

    0x02 | length of master key id (1) | master key id (ASCII) | nonce (12) | ciphertext + tag

sealed with a key derived from that master key version; the associated data is the
header followed by the caller's ``aad``.
"""

from __future__ import annotations

import hmac
import os
import struct
import uuid
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crm.core.security.crypto_normalize import normalizer_for
from crm.core.security.crypto_providers import KEY_BYTES, NONCE_BYTES, CryptoError, KeyProvider

ORG_FORMAT = 0x01
GLOBAL_FORMAT = 0x02
_ORG_HEADER = struct.Struct(">BI")
ORG_HEADER_BYTES = _ORG_HEADER.size  # 5
TAG_BYTES = 16
BLIND_INDEX_BYTES = 32
_MIN_ORG_CIPHERTEXT = ORG_HEADER_BYTES + NONCE_BYTES + TAG_BYTES

RowId = uuid.UUID | str | int


class InvalidCiphertext(CryptoError):
    """The value was altered, moved to another row/column/organisation, or is not ours."""


class UnknownKeyVersion(CryptoError):
    """The value names a data key version this organisation does not have (yet)."""


def org_header(version: int) -> bytes:
    return _ORG_HEADER.pack(ORG_FORMAT, version)


def key_version(ciphertext: bytes) -> int:
    """The data key version a tenant value was encrypted with."""
    if len(ciphertext) < _MIN_ORG_CIPHERTEXT or ciphertext[0] != ORG_FORMAT:
        raise InvalidCiphertext("not an organisation ciphertext")
    version: int = _ORG_HEADER.unpack_from(ciphertext)[1]
    return version


def _field(value: bytes) -> bytes:
    return len(value).to_bytes(2, "big") + value


_UUID_LENGTH = (16).to_bytes(2, "big")


def _row_bytes(row_id: RowId) -> bytes:
    # One canonical form per id whatever type the caller holds: a uuid is its 16 bytes.
    if isinstance(row_id, uuid.UUID):
        return row_id.bytes
    if isinstance(row_id, str):
        try:
            return uuid.UUID(row_id).bytes
        except ValueError:
            return row_id.encode()
    return str(row_id).encode()


def blind_index_key(index_root: bytes, purpose: str) -> bytes:
    info = b"crm/blind-index/v1|" + purpose.encode()
    return HKDF(hashes.SHA256(), KEY_BYTES, salt=None, info=info).derive(index_root)


class OrgCipher:
    """Encrypts, decrypts and blind-indexes one organisation's values. Immutable; safe to share.

    Holds ready AESGCM objects per data key version (building one costs more than using it)
    and the blind-index keys; none of them appears in ``repr`` or can be pickled.
    """

    __slots__ = (
        "_active",
        "_aead",
        "_context",
        "_decrypt_prefix",
        "_header",
        "_index_keys",
        "_index_root",
        "_last_row",
        "organization_id",
    )

    def __init__(
        self,
        organization_id: uuid.UUID,
        data_keys: Mapping[int, bytes],
        active_version: int,
        index_root: bytes,
    ) -> None:
        if active_version not in data_keys:
            raise ValueError("the active data key is missing")
        self.organization_id = organization_id
        self._aead = {version: AESGCM(key) for version, key in data_keys.items()}
        self._active = active_version
        self._header = org_header(active_version)
        self._index_root = index_root
        self._index_keys: dict[str, bytes] = {}
        self._context: dict[tuple[str, str], bytes] = {}
        # (header, table, column) -> (AESGCM, AAD up to the row id): a page decrypts a few hundred
        # values of a handful of columns, so the key lookup and AAD prefix are built once each.
        self._decrypt_prefix: dict[tuple[bytes, str, str], tuple[AESGCM, bytes]] = {}
        # The last row id's AAD field: a record's columns are sealed and opened one after another
        # (a contact on a page: e-mails, phones, birth date, address), all with the same id object.
        self._last_row: tuple[object, bytes] = (None, b"")

    @property
    def active_version(self) -> int:
        return self._active

    @property
    def versions(self) -> frozenset[int]:
        return frozenset(self._aead)

    def _context_of(self, table: str, column: str) -> bytes:
        context = self._context.get((table, column))
        if context is None:
            context = self.organization_id.bytes + _field(table.encode()) + _field(column.encode())
            self._context[(table, column)] = context
        return context

    def _row_field(self, row_id: RowId) -> bytes:
        last = self._last_row
        if last[0] is row_id:
            return last[1]
        # For a uuid: _field(row_id.bytes) without the calls.
        field = _UUID_LENGTH + row_id.bytes if type(row_id) is uuid.UUID else _field(_row_bytes(row_id))
        self._last_row = (row_id, field)
        return field

    def encrypt_bytes(self, value: bytes, table: str, column: str, row_id: RowId) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        header = self._header
        # The active key's AAD prefix per column, shared with decryption: an import seals a few
        # values per row over 100,000s of rows, and rebuilding the prefix cost as much as AES-GCM.
        cached = self._decrypt_prefix.get((header, table, column))
        if cached is None:
            cached = (self._aead[self._active], header + self._context_of(table, column))
            self._decrypt_prefix[(header, table, column)] = cached
        aead, prefix = cached
        return header + nonce + aead.encrypt(nonce, value, prefix + self._row_field(row_id))

    def decrypt_bytes(self, ciphertext: bytes, table: str, column: str, row_id: RowId) -> bytes:
        if len(ciphertext) < _MIN_ORG_CIPHERTEXT or ciphertext[0] != ORG_FORMAT:
            raise InvalidCiphertext("not an organisation ciphertext")
        header = ciphertext[:ORG_HEADER_BYTES]
        cached = self._decrypt_prefix.get((header, table, column))
        if cached is None:
            version = key_version(ciphertext)
            aead = self._aead.get(version)
            if aead is None:
                raise UnknownKeyVersion(f"data key version {version} is unknown for this organisation")
            cached = (aead, header + self._context_of(table, column))
            self._decrypt_prefix[(header, table, column)] = cached
        aead, prefix = cached
        try:
            return aead.decrypt(
                ciphertext[ORG_HEADER_BYTES : ORG_HEADER_BYTES + NONCE_BYTES],
                ciphertext[ORG_HEADER_BYTES + NONCE_BYTES :],
                prefix + self._row_field(row_id),
            )
        except InvalidTag:
            raise InvalidCiphertext(f"a {table}.{column} value does not authenticate") from None

    def encrypt(self, value: str, table: str, column: str, row_id: RowId) -> bytes:
        return self.encrypt_bytes(value.encode(), table, column, row_id)

    def decrypt(self, ciphertext: bytes, table: str, column: str, row_id: RowId) -> str:
        return self.decrypt_bytes(ciphertext, table, column, row_id).decode()

    def encrypt_optional(self, value: str | None, table: str, column: str, row_id: RowId) -> bytes | None:
        """None for None or blank, so "is empty" stays a plain ``IS NULL`` in SQL."""
        if value is None or not value.strip():
            return None
        return self.encrypt(value, table, column, row_id)

    def decrypt_optional(
        self, ciphertext: bytes | None, table: str, column: str, row_id: RowId
    ) -> str | None:
        return None if ciphertext is None else self.decrypt(ciphertext, table, column, row_id)

    def needs_reencryption(self, ciphertext: bytes) -> bool:
        return key_version(ciphertext) != self._active

    def blind_index(self, value: str, purpose: str) -> bytes:
        """HMAC-SHA256 of the normalized value under this organisation's key for ``purpose``.

        Equal values give equal indexes within one organisation only. Raises ValueError
        for a value the purpose's normalizer rejects (or a blank one).
        """
        normalized = normalizer_for(purpose)(value)
        if not normalized:
            raise ValueError("a blank value has no blind index")
        key = self._index_keys.get(purpose)
        if key is None:
            key = self._index_keys[purpose] = blind_index_key(self._index_root, purpose)
        return hmac.digest(key, normalized.encode(), "sha256")

    def blind_index_optional(self, value: str | None, purpose: str) -> bytes | None:
        return None if value is None or not value.strip() else self.blind_index(value, purpose)

    def __repr__(self) -> str:
        return (
            f"OrgCipher(organization_id={self.organization_id}, active_version={self._active}, "
            f"versions={sorted(self._aead)})"
        )

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("an OrgCipher holds keys and cannot be pickled")


class GlobalSealer:
    """``seal_global``/``open_global`` for one set of master keys (derived keys cached per version)."""

    def __init__(self, provider: KeyProvider) -> None:
        self._provider = provider
        self._aead: dict[str, AESGCM] = {}

    def _aead_for(self, key_id: str) -> AESGCM:
        aead = self._aead.get(key_id)
        if aead is None:
            aead = self._aead[key_id] = AESGCM(self._provider.derive(key_id, b"global-seal"))
        return aead

    @staticmethod
    def _header(key_id: str) -> bytes:
        encoded = key_id.encode("ascii")
        if not 0 < len(encoded) < 256:
            raise ValueError("master key id must be 1 to 255 ASCII characters")
        return bytes((GLOBAL_FORMAT, len(encoded))) + encoded

    @staticmethod
    def key_id_of(ciphertext: bytes) -> str:
        if len(ciphertext) < 2 or ciphertext[0] != GLOBAL_FORMAT:
            raise InvalidCiphertext("not a sealed global value")
        length = ciphertext[1]
        if len(ciphertext) < 2 + length + NONCE_BYTES + TAG_BYTES:
            raise InvalidCiphertext("truncated sealed value")
        try:
            return ciphertext[2 : 2 + length].decode("ascii")
        except UnicodeDecodeError:
            raise InvalidCiphertext("not a sealed global value") from None

    def seal(self, plaintext: bytes, aad: bytes) -> bytes:
        active = self._provider.active_key_id
        header = self._header(active)
        nonce = os.urandom(NONCE_BYTES)
        return header + nonce + self._aead_for(active).encrypt(nonce, plaintext, header + aad)

    def open(self, ciphertext: bytes, aad: bytes) -> bytes:
        key_id = self.key_id_of(ciphertext)
        start = 2 + len(key_id)
        header = ciphertext[:start]
        try:
            return self._aead_for(key_id).decrypt(
                ciphertext[start : start + NONCE_BYTES], ciphertext[start + NONCE_BYTES :], header + aad
            )
        except InvalidTag:
            raise InvalidCiphertext("a sealed value does not authenticate") from None

    def needs_reseal(self, ciphertext: bytes) -> bool:
        return self.key_id_of(ciphertext) != self._provider.active_key_id

    def __repr__(self) -> str:
        return f"GlobalSealer(active={self._provider.active_key_id!r})"
