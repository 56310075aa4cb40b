"""What can be imported: per object type, its permission resource, columns, row reader, dedupe and writer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm.core.errors import BadRequest
from crm.dataio import batch, lead_batch
from crm.dataio.lead_rows import LEADS, LeadRowReader
from crm.dataio.mapping import CONTACTS, Vocabulary
from crm.dataio.rows import RowReader


@dataclass(frozen=True)
class ImportKind:
    object_type: str  # the custom fields' object, the change notices' entity, ImportRun.object_type
    resource: str  # the permission resource: importing creates (and may update) these
    noun: str
    vocabulary: Vocabulary
    reader: Any  # RowReader | LeadRowReader class
    writer: Any  # batch.Writer | lead_batch.LeadWriter class
    dedupe: batch.Dedupe


KINDS: dict[str, ImportKind] = {
    "contact": ImportKind(
        "contact", "contacts", "contacts", CONTACTS, RowReader, batch.Writer, batch.CONTACTS
    ),
    "lead": ImportKind(
        "lead", "leads", "leads", LEADS, LeadRowReader, lead_batch.LeadWriter, lead_batch.LEADS
    ),
}


def kind_of(object_type: str) -> ImportKind:
    kind = KINDS.get(object_type)
    if kind is None:
        raise BadRequest(f"object_type must be one of {', '.join(KINDS)}", code="invalid_object_type")
    return kind
