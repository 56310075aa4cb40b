"""Password hashing with argon2id.

Production uses argon2-cffi's default, the RFC 9106 low-memory profile (t=3, 64 MiB).
The test suite switches to a cheap profile (``CRM_PASSWORD_HASH_PROFILE=test``) because it
creates hundreds of users; hashes of either profile verify under both, since argon2 hashes
carry their own parameters.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY

PROFILES = {"rfc9106_low_memory": RFC_9106_LOW_MEMORY, "test": CHEAPEST}

_hasher = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)
# Verifying against this when the user is unknown keeps the timing the same as a wrong password.
_dummy_hash = _hasher.hash("not-a-real-password-only-for-timing")


def configure(profile: str) -> None:
    global _hasher, _dummy_hash
    _hasher = PasswordHasher.from_parameters(PROFILES[profile])
    _dummy_hash = _hasher.hash("not-a-real-password-only-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
