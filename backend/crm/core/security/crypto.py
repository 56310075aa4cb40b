"""PII encryption at rest: the one module the rest of the code imports.

Tenant data (per-organisation data keys, AES-256-GCM, values bound to their row)::

    keystore = keystore_for(settings)                      # once per process
    cipher = await org_cipher(session, keystore, org_id)   # session scoped to org_id
    row.email = cipher.encrypt(email, "contacts", "email", row.id)
    row.email_bidx = cipher.blind_index(email, "email")    # equality look-ups, de-duplication
    email = cipher.decrypt(row.email, "contacts", "email", row.id)

Columns holding ciphertext are declared with ``register_encrypted_column`` (next to the
model) so rotating a data key re-encrypts them. Global secrets of global users (TOTP)::

    sealed = seal_global(secret, aad)   # key derived from the active master key
    secret = open_global(sealed, aad)

See docs/security-keys.md for the key hierarchy and the rotation procedures.
"""

from __future__ import annotations

import hashlib
import threading
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.config import Settings, get_settings
from crm.core.security.crypto_cipher import (
    BLIND_INDEX_BYTES,
    InvalidCiphertext,
    OrgCipher,
    RowId,
    UnknownKeyVersion,
    key_version,
)
from crm.core.security.crypto_normalize import normalize_email, normalize_phone
from crm.core.security.crypto_providers import (
    CryptoError,
    KeyProvider,
    LocalKeyProvider,
    UnknownMasterKey,
    UnwrapFailed,
    master_key_path,
)
from crm.core.security.crypto_registry import (
    ENCRYPTED_COLUMNS,
    EncryptedColumn,
    SealedColumn,
    register_encrypted_column,
    register_sealed_column,
)
from crm.core.security.keys_store import KeyStore, WrongTenant

__all__ = [
    "BLIND_INDEX_BYTES",
    "ENCRYPTED_COLUMNS",
    "CryptoError",
    "EncryptedColumn",
    "InvalidCiphertext",
    "KeyProvider",
    "KeyStore",
    "LocalKeyProvider",
    "OrgCipher",
    "RowId",
    "SealedColumn",
    "UnknownKeyVersion",
    "UnknownMasterKey",
    "UnwrapFailed",
    "WrongTenant",
    "default_keystore",
    "global_aad",
    "install_keystore",
    "key_version",
    "keystore_for",
    "normalize_email",
    "normalize_phone",
    "open_global",
    "org_cipher",
    "register_encrypted_column",
    "register_sealed_column",
    "seal_global",
]

_lock = threading.Lock()
_keystores: dict[tuple[str, str], KeyStore] = {}
_installed: KeyStore | None = None


def _source_of(settings: Settings) -> tuple[str, str]:
    if settings.master_key is not None and settings.master_key.get_secret_value().strip():
        # A digest names the source without keeping a second copy of the secret around.
        return ("env", hashlib.sha256(settings.master_key.get_secret_value().encode()).hexdigest())
    return ("file", str(master_key_path(settings).resolve()))


def keystore_for(settings: Settings) -> KeyStore:
    """The process's key store for these settings' master keys (built, and on first use generated, once)."""
    source = _source_of(settings)
    with _lock:
        store = _keystores.get(source)
        if store is None:
            store = _keystores[source] = KeyStore(LocalKeyProvider.from_settings(settings))
        return store


def install_keystore(keystore: KeyStore | None) -> None:
    """Make ``keystore`` the default of ``seal_global``/``open_global`` (None: back to settings)."""
    global _installed
    _installed = keystore


def default_keystore() -> KeyStore:
    """The installed key store, else the running runtime's settings', else the environment's."""
    if _installed is not None:
        return _installed
    from crm.core.runtime import get_runtime

    try:
        settings = get_runtime().settings
    except RuntimeError:
        settings = get_settings()
    return keystore_for(settings)


async def org_cipher(session: AsyncSession, keystore: KeyStore, organization_id: uuid.UUID) -> OrgCipher:
    """The organisation's cipher (keys created on first use); ``session`` must be scoped to it."""
    return await keystore.org_cipher(session, organization_id)


def seal_global(plaintext: bytes, aad: bytes, *, keystore: KeyStore | None = None) -> bytes:
    """Encrypt a global (non-tenant) secret with a key derived from the active master key."""
    return (keystore or default_keystore()).seal_global(plaintext, aad)


def open_global(ciphertext: bytes, aad: bytes, *, keystore: KeyStore | None = None) -> bytes:
    """Decrypt a ``seal_global`` value; raises ``InvalidCiphertext`` if it or ``aad`` was altered."""
    return (keystore or default_keystore()).open_global(ciphertext, aad)


def global_aad(table: str, column: str, row_id: uuid.UUID) -> bytes:
    """A conventional ``aad`` for a sealed column: binds the value to its table, column and row."""
    return f"{table}.{column}:".encode() + row_id.bytes
