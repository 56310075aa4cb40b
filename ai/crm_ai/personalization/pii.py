"""Personal data out, placeholders in: what leaves for an external LLM carries `[PERSON_1]`,
`[EMAIL_1]`, ... instead of names, e-mail addresses, phone numbers, IBANs, card and ID numbers; the
answer gets the real values back. The mapping never leaves the process.

Names are not guessed from free text: the caller lists the people it knows (the contact, the
sender, anyone in the merge fields) and every occurrence of those names, full or in part, is
replaced. Patterns catch the structured identifiers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("EMAIL", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("IBAN", re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,4})?\b")),
    ("CARD", re.compile(r"\b(?:\d[ -]?){13,19}\b")),
    # Spanish DNI / NIE, French NIR-like long digit runs are caught by CARD/PHONE.
    ("ID", re.compile(r"\b(?:\d{8}[A-HJ-NP-TV-Z]|[XYZ]\d{7}[A-HJ-NP-TV-Z])\b")),
    ("PHONE", re.compile(r"(?<![\w+])\+?\(?\d[\d\s().-]{7,}\d\b")),
)
_DATE_LIKE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _valid(kind: str, value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    if kind == "CARD":
        return 13 <= len(digits) <= 19 and _luhn(digits)
    if kind == "PHONE":
        return 9 <= len(digits) <= 15 and not _DATE_LIKE.fullmatch(value.strip())
    return True


PLACEHOLDER = re.compile(r"\[(PERSON|EMAIL|IBAN|CARD|ID|PHONE)_(\d+)\]")


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


@dataclass
class Redactor:
    """One per request: the same value gets the same placeholder in every text of the request."""

    people: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # placeholder -> original
    _reverse: dict[tuple[str, str], str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Each person's full name first, then each part of it ("Marta Ruiz", then "Marta", "Ruiz"),
        # longest first so the full name wins over its parts.
        variants: dict[str, str] = {}
        for person in self.people:
            name = " ".join(person.split())
            if len(name) < 2:
                continue
            variants.setdefault(name, name)
            for part in name.split():
                if len(part) >= 3 and part[0].isupper():
                    variants.setdefault(part, name)
        self._names = sorted(variants.items(), key=lambda kv: -len(kv[0]))

    def _placeholder(self, kind: str, key: str, original: str) -> str:
        existing = self._reverse.get((kind, key))
        if existing:
            return existing
        n = self._counts.get(kind, 0) + 1
        self._counts[kind] = n
        ph = f"[{kind}_{n}]"
        self._reverse[(kind, key)] = ph
        self.mapping[ph] = original
        return ph

    def redact(self, text: str) -> str:
        for kind, pattern in _PATTERNS:
            text = pattern.sub(self._structured(kind), text)
        for variant, full in self._names:
            pattern = re.compile(rf"(?<!\w){re.escape(variant)}(?!\w)", re.IGNORECASE)
            text = pattern.sub(self._named(variant, full), text)
        return text

    def _structured(self, kind: str) -> Callable[[re.Match[str]], str]:
        def sub(m: re.Match[str]) -> str:
            value = m.group(0)
            return self._placeholder(kind, value, value) if _valid(kind, value) else value

        return sub

    def _named(self, variant: str, full: str) -> Callable[[re.Match[str]], str]:
        def sub(m: re.Match[str]) -> str:
            return self._person(variant, full, m.group(0))

        return sub

    def _person(self, variant: str, full: str, said: str) -> str:
        if _fold(variant) == _fold(full):
            return self._placeholder("PERSON", _fold(full), said)
        # "Marta" alone: its own placeholder, restored as "Marta" (not the full name).
        return self._placeholder("PERSON", _fold(variant), said)

    def redact_all(self, texts: Iterable[str]) -> list[str]:
        return [self.redact(t) for t in texts]

    def restore(self, text: str) -> str:
        return PLACEHOLDER.sub(lambda m: self.mapping.get(m.group(0), m.group(0)), text)

    def unknown_placeholders(self, text: str) -> list[str]:
        """Placeholders in `text` that we never issued (an LLM inventing them)."""
        return [m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(0) not in self.mapping]

    def leaks(self, text: str) -> list[str]:
        """Originals that are still in `text` (for tests and the audit of what was sent)."""
        folded = _fold(text)
        return [v for v in self.mapping.values() if _fold(v) in folded]
