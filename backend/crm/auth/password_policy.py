"""Password rules: at least 12 characters, not the e-mail, not a common password."""

from __future__ import annotations

import gzip
import re
from functools import lru_cache
from pathlib import Path

from crm.core.errors import BadRequest

MIN_LENGTH = 12
MAX_LENGTH = 256  # argon2 would hash more, but nobody types more; caps the CPU an attacker can ask for
_DATA = Path(__file__).parent / "data" / "common-passwords.txt.gz"
_TRAILING_NOISE = re.compile(r"[\d\W_]+$")


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    with gzip.open(_DATA, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


class WeakPassword(BadRequest):
    code = "weak_password"


def check_password(password: str, *, email: str | None = None) -> None:
    """Raise ``WeakPassword`` naming the first rule broken."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"password must be at most {MAX_LENGTH} characters")
    lowered = password.lower()
    if email:
        address = email.strip().lower()
        local = address.split("@", 1)[0]
        if lowered == address or (len(local) >= 4 and local in lowered and len(lowered) - len(local) < 6):
            raise WeakPassword("password must not be your e-mail address")
    stem = _TRAILING_NOISE.sub("", lowered)
    if lowered in _common() or (len(stem) >= 4 and stem in _common()) or len(set(lowered)) <= 3:
        raise WeakPassword("this password is too common; choose another")
