"""Master keys behind a ``KeyProvider``: they wrap organisations' data keys and derive global keys.

The local provider holds one or more versioned 256-bit master keys. One version is
*active* (wraps new data keys, seals new global secrets); the others only unwrap and
open, so rotating the master key never makes stored data unreadable. Both sources use
one text format, entries separated by commas or newlines, the first entry active::

    2:<base64 of 32 bytes>, 1:<base64 of 32 bytes>

A lone entry without ``<version>:`` is version 1. Sources, in order: ``CRM_MASTER_KEY``,
``CRM_MASTER_KEY_FILE``, else (never in production) ``<data_dir>/keys/master.key``,
generated on first use with mode 0600.

A KMS driver implements the same interface: ``wrap``/``unwrap`` map to Encrypt/Decrypt
with the context as encryption context, ``derive`` to GenerateMac with an HMAC key.
"""

from __future__ import annotations

import abc
import base64
import binascii
import contextlib
import logging
import os
import secrets
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crm.core.config import ConfigError, Environment, Settings

log = logging.getLogger(__name__)

KEY_BYTES = 32
NONCE_BYTES = 12
_WRAP_DOMAIN = b"crm/wrap/v1|"
_DERIVE_DOMAIN = b"crm/derive/v1|"


class CryptoError(Exception):
    """Base of encryption and key failures; messages never carry key material or plaintext."""


class UnknownMasterKey(CryptoError):
    """A wrapped key or sealed value names a master key version this process does not hold."""


class UnwrapFailed(CryptoError):
    """A wrapped key does not authenticate under the master key it names (wrong key, or tampered)."""


class KeyProvider(abc.ABC):
    """Holds master keys; never hands them out, only wraps, unwraps and derives with them."""

    #: True when calls do I/O (a KMS): the key store then runs them in a thread.
    blocking: bool = False

    @property
    @abc.abstractmethod
    def active_key_id(self) -> str: ...

    @property
    @abc.abstractmethod
    def key_ids(self) -> Sequence[str]:
        """Every version this provider can unwrap with, active first."""

    @abc.abstractmethod
    def wrap(self, key: bytes, context: bytes) -> tuple[str, bytes]:
        """Encrypt ``key`` under the active master key; returns (master key id, wrapped bytes)."""

    @abc.abstractmethod
    def unwrap(self, key_id: str, wrapped: bytes, context: bytes) -> bytes:
        """Decrypt a wrapped key; ``context`` must equal the one given to ``wrap``."""

    @abc.abstractmethod
    def derive(self, key_id: str, purpose: bytes) -> bytes:
        """A 32-byte key for ``purpose``, deterministic for one master key version."""

    def refresh(self) -> bool:
        """Re-read the key source (after a rotation by another process); True when it changed."""
        return False


class LocalKeyProvider(KeyProvider):
    """Master keys held in process memory, read from settings or a file."""

    def __init__(self, keys: Mapping[str, bytes], active: str, *, source: str, path: Path | None = None):
        if active not in keys:
            raise ConfigError("the active master key version is not among the keys")
        for key in keys.values():
            if len(key) != KEY_BYTES:
                raise ConfigError("every master key must be 32 bytes")
        self._source = source
        self._path = path
        self._lock = threading.Lock()
        self._mtime = self._file_mtime()
        self._set(keys, active)

    def _file_mtime(self) -> int | None:
        if self._path is None:
            return None
        try:
            return self._path.stat().st_mtime_ns
        except OSError:
            return None

    def _set(self, keys: Mapping[str, bytes], active: str) -> None:
        self._aead = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._derive_roots = {
            key_id: HKDF(hashes.SHA256(), KEY_BYTES, salt=None, info=b"crm/derive-root/v1").derive(key)
            for key_id, key in keys.items()
        }
        self._active = active
        self._order = [active, *sorted((k for k in keys if k != active), key=_version_sort, reverse=True)]

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalKeyProvider:
        if settings.master_key is not None and settings.master_key.get_secret_value().strip():
            keys, active = parse_master_keys(settings.master_key.get_secret_value(), "CRM_MASTER_KEY")
            return cls(keys, active, source="CRM_MASTER_KEY")
        path = master_key_path(settings)
        if settings.master_key_file is None and not path.exists():
            if settings.environment is Environment.production:
                raise ConfigError(
                    "no master key: set CRM_MASTER_KEY or CRM_MASTER_KEY_FILE (production never "
                    "generates one, since every node must share it)"
                )
            create_master_key_file(path)
        keys, active = read_master_key_file(path)
        return cls(keys, active, source=str(path), path=path)

    @property
    def source(self) -> str:
        return self._source

    @property
    def path(self) -> Path | None:
        """The file the keys come from, when they can be rotated in place."""
        return self._path

    @property
    def active_key_id(self) -> str:
        # Another process may have rotated the shared file: a stat is cheap next to a wrap or seal.
        if self._path is not None and self._file_mtime() != self._mtime:
            self.refresh()
        return self._active

    @property
    def key_ids(self) -> Sequence[str]:
        return tuple(self._order)

    def wrap(self, key: bytes, context: bytes) -> tuple[str, bytes]:
        nonce = os.urandom(NONCE_BYTES)
        active = self.active_key_id
        return active, nonce + self._aead[active].encrypt(nonce, key, _WRAP_DOMAIN + context)

    def unwrap(self, key_id: str, wrapped: bytes, context: bytes) -> bytes:
        aead = self._aead_for(key_id)
        try:
            return aead.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _WRAP_DOMAIN + context)
        except InvalidTag:
            raise UnwrapFailed(
                f"a key wrapped with master key version {key_id} does not authenticate"
            ) from None

    def derive(self, key_id: str, purpose: bytes) -> bytes:
        self._aead_for(key_id)  # refreshes on an unknown version, raises if still unknown
        root = self._derive_roots[key_id]
        return HKDF(hashes.SHA256(), KEY_BYTES, salt=None, info=_DERIVE_DOMAIN + purpose).derive(root)

    def _aead_for(self, key_id: str) -> AESGCM:
        aead = self._aead.get(key_id)
        if aead is None and self.refresh():
            aead = self._aead.get(key_id)
        if aead is None:
            raise UnknownMasterKey(f"master key version {key_id} is not configured ({self._source})")
        return aead

    def refresh(self) -> bool:
        if self._path is None:
            return False
        with self._lock:
            self._mtime = self._file_mtime()
            try:
                keys, active = read_master_key_file(self._path)
            except (OSError, ConfigError):
                log.warning("master key file could not be re-read", extra={"path": str(self._path)})
                return False
            if set(keys) == set(self._aead) and active == self._active:
                return False
            self._set(keys, active)
            log.info("master keys reloaded", extra={"active": active, "versions": self.key_ids})
            return True

    def __repr__(self) -> str:
        return (
            f"LocalKeyProvider(source={self._source!r}, active={self._active!r}, versions={self.key_ids!r})"
        )


def _version_sort(key_id: str) -> tuple[int, str]:
    return (int(key_id), key_id) if key_id.isdigit() else (-1, key_id)


def master_key_path(settings: Settings) -> Path:
    return settings.master_key_file or settings.keys_dir / "master.key"


def new_master_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def format_master_keys(keys: Mapping[str, bytes], active: str) -> str:
    """The text form of a key set, active version first (what files and CRM_MASTER_KEY hold)."""
    order = [active, *sorted((k for k in keys if k != active), key=_version_sort, reverse=True)]
    return "\n".join(f"{key_id}:{base64.b64encode(keys[key_id]).decode()}" for key_id in order) + "\n"


def parse_master_keys(text: str, where: str) -> tuple[dict[str, bytes], str]:
    """Parse ``[version:]base64`` entries (comma or newline separated, first active)."""
    entries = [
        entry.strip()
        for line in text.splitlines()
        if not line.strip().startswith("#")
        for entry in line.split(",")
        if entry.strip()
    ]
    if not entries:
        raise ConfigError(f"{where}: no master key")
    keys: dict[str, bytes] = {}
    for position, entry in enumerate(entries, start=1):
        version, sep, encoded = entry.rpartition(":")
        if not sep:
            if len(entries) > 1:
                raise ConfigError(f"{where}: entry {position} needs a version ('<version>:<base64>')")
            version = "1"
        version = version.strip()
        if not version.isdigit() or int(version) < 1:
            raise ConfigError(f"{where}: entry {position}: the version must be a positive integer")
        version = str(int(version))
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigError(f"{where}: entry {position} (version {version}) is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise ConfigError(f"{where}: master key version {version} must be 32 bytes, base64-encoded")
        if version in keys:
            raise ConfigError(f"{where}: master key version {version} appears twice")
        keys[version] = key
    active = next(iter(keys))
    return keys, active


def read_master_key_file(path: Path) -> tuple[dict[str, bytes], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"master key file {path} does not exist") from None
    if path.stat().st_mode & 0o077:
        log.warning("master key file is readable by other users; chmod 600 it", extra={"path": str(path)})
    return parse_master_keys(text, str(path))


HEADER = (
    "# CliniGlobal CRM master keys: <version>:<base64 of 32 bytes>, the first line is active.\n"
    "# Older versions stay until `crm keys status` shows nothing uses them. Never commit this file.\n"
)


def write_master_key_file(path: Path, keys: Mapping[str, bytes], active: str) -> None:
    """Replace the file atomically (temp file + rename), mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    _write_private(temp, HEADER + format_master_keys(keys, active))
    os.replace(temp, path)


def create_master_key_file(path: Path) -> bool:
    """Generate version 1 unless the file exists; two processes racing end up sharing one key."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    _write_private(temp, HEADER + format_master_keys({"1": new_master_key()}, "1"))
    try:
        os.link(temp, path)  # atomic, and fails when another process won the race
    except FileExistsError:
        return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    log.info("generated a master key", extra={"path": str(path)})
    return True


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
