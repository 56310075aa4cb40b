"""The text each record is embedded from, cut into chunks the model reads whole.

all-MiniLM-L6-v2 reads 256 word pieces; 180 words stay under that for ordinary prose. A long note
becomes several chunks, each starting with the record's header line so a chunk about "the kits
arrived late" still says whose note it is. Amounts and personal data held encrypted (e-mails,
phones, addresses of people) are never embedded: vectors must not leak what the caller's field
permissions hide.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

CHUNK_WORDS = 180
OVERLAP_WORDS = 30
MAX_CHUNKS = 20


@dataclass(frozen=True)
class Chunk:
    number: int
    text: str

    def digest(self, model_id: str) -> bytes:
        """What the stored hash is compared with: a new text or a new model both make it stale."""
        return hashlib.sha256(f"{model_id}\n{self.text}".encode()).digest()


def _join(parts: Iterable[Any], sep: str = ", ") -> str:
    return sep.join(str(p).strip() for p in parts if p is not None and str(p).strip())


def header_and_body(entity: str, row: Any) -> tuple[str, str]:
    """The record's one-line description and its free text (activities and transcripts have much)."""
    if entity == "contact":
        name = _join([row.first_name, row.last_name], " ")
        role = _join([row.job_title, f"at {row.company_name}" if row.company_name else None], " ")
        return _join([f"Contact {name}", role, f"stage {row.lifecycle_stage}", _join(row.tags or [])]), ""
    if entity == "company":
        address = row.address or {}
        size = f"{row.employee_count} employees" if row.employee_count else None
        place = _join([address.get("city"), address.get("region"), address.get("country")])
        return _join(
            [f"Company {row.name}", row.industry, place, size, row.domain, _join(row.tags or [])]
        ), ""
    if entity == "deal":
        lost = f"lost because {row.lost_reason}" if row.lost_reason else None
        return (
            _join(
                [
                    f"Deal {row.name}",
                    f"with {row.company_name}" if row.company_name else None,
                    f"stage {row.stage_name}" if row.stage_name else None,
                    row.status,
                    lost,
                    _join(row.tags or []),
                ]
            ),
            "",
        )
    if entity == "activity":
        about = _join([row.contact_name, row.company_name, row.company_city])
        head = _join([row.kind.capitalize() + (f": {row.subject}" if row.subject else ""), about], " — ")
        return head, (row.body or "").strip()
    if entity == "lead":
        name = _join([row.first_name, row.last_name], " ")
        role = _join([row.job_title, f"at {row.company_name}" if row.company_name else None], " ")
        lost = f"lost because {row.lost_reason}" if row.lost_reason else None
        source = f"from {row.source}" if row.source else None
        return _join([f"Lead {name}", role, f"status {row.status}", source, lost, _join(row.tags or [])]), ""
    if entity == "transcript":
        # The summary first: it says in a few lines what the call was about.
        head = _join([f"{row.kind.capitalize()} recording transcript", row.about], " — ")
        return head, _join([row.summary, row.text], "\n").strip()
    raise ValueError(f"not an indexed entity: {entity}")


def chunks(entity: str, row: Any) -> list[Chunk]:
    header, body = header_and_body(entity, row)
    words = body.split()
    if len(words) <= CHUNK_WORDS:
        return [Chunk(0, f"{header}. {body}".strip(" .") if body else header)]
    out: list[Chunk] = []
    step = CHUNK_WORDS - OVERLAP_WORDS
    for number, start in enumerate(range(0, len(words), step)):
        if number >= MAX_CHUNKS:
            break
        out.append(Chunk(number, f"{header}. " + " ".join(words[start : start + CHUNK_WORDS])))
        if start + CHUNK_WORDS >= len(words):
            break
    return out
