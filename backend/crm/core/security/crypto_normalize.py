"""Normalization before blind indexing: two spellings of one address must give one index.

Kept deliberately conservative: only changes that can never merge two different
people's values (no Gmail dot-stripping, no guessing of countries).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x|#)\s*\d{1,6}\s*$", re.IGNORECASE)
_TRUNK_ZERO = re.compile(r"\(\s*0\s*\)")
_PHONE_CHARS = re.compile(r"[\d\s().\-/+]+")
E164_MAX_DIGITS = 15
MIN_PHONE_DIGITS = 4


def normalize_email(value: str) -> str:
    """Trimmed, case-folded (NFKC) address; raises ValueError for something that is not an address."""
    email = unicodedata.normalize("NFKC", value).strip().lower()
    local, at, domain = email.rpartition("@")
    # split() breaks on exactly the characters isspace() accepts, in C rather than a Python loop.
    if not at or not local or not domain or len(email.split()) != 1:
        raise ValueError("not an email address")
    return email


def normalize_phone(value: str, default_country_code: str | None = None) -> str:
    """E.164-like form: ``+<country><number>`` when the country is known, else the bare digits.

    ``00`` counts as the international prefix; an extension and a ``(0)`` trunk marker
    after a country code are dropped; with ``default_country_code`` (digits, e.g. "44")
    a national number loses its single leading trunk ``0`` and gains the country code.
    Idempotent: normalizing a normalized number returns it unchanged.
    """
    text = _EXTENSION.sub("", unicodedata.normalize("NFKC", value).strip())
    if not text or not _PHONE_CHARS.fullmatch(text) or "+" in text[1:]:
        raise ValueError("not a phone number")
    international = text.startswith("+")
    if international:
        text = _TRUNK_ZERO.sub("", text)
    digits = re.sub(r"\D", "", text)
    if not international and digits.startswith("00"):
        international, digits = True, digits[2:]
    if not international and default_country_code:
        country = re.sub(r"\D", "", default_country_code)
        if not country:
            raise ValueError("the default country code must be digits")
        digits = country + (digits[1:] if digits.startswith("0") else digits)
        international = True
    if not MIN_PHONE_DIGITS <= len(digits) <= E164_MAX_DIGITS:
        raise ValueError("a phone number has 4 to 15 digits")
    return ("+" if international else "") + digits


def normalize_text(value: str) -> str:
    """Default for other purposes: NFKC, trimmed, inner whitespace collapsed (case kept)."""
    return " ".join(unicodedata.normalize("NFKC", value).split())


NORMALIZERS: dict[str, Callable[[str], str]] = {
    "email": normalize_email,
    "phone": normalize_phone,
}


def normalizer_for(purpose: str) -> Callable[[str], str]:
    return NORMALIZERS.get(purpose, normalize_text)
