"""Import preview: the first rows of the file as the import would read them, and what each would do."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.permissions import Action
from crm.auth.principal import Principal
from crm.core.errors import BadRequest, Conflict
from crm.core.runtime import Runtime
from crm.core.security.crypto import keystore_for, org_cipher
from crm.core.storage import ObjectNotFound
from crm.dataio import batch, importer, mapping, repository
from crm.dataio.kinds import kind_of
from crm.dataio.lead_rows import LeadDraft
from crm.dataio.rows import Draft
from crm.dataio.schemas import ImportColumn, PreviewOut, PreviewRow
from crm.dataio.service import _definitions, _run

_HIDDEN = frozenset(
    {"row", "present", "id", "email_indexes", "phone_indexes", "email_index", "phone_index", "prepared"}
)


def _values(draft: Draft | LeadDraft) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for item in dataclasses.fields(draft):
        if item.name in _HIDDEN:
            continue
        value = getattr(draft, item.name)
        if value not in (None, "", [], {}):
            values[item.name] = value.isoformat() if hasattr(value, "isoformat") else value
    return values


async def preview(
    session: AsyncSession, runtime: Runtime, principal: Principal, import_id: uuid.UUID, *, limit: int
) -> PreviewOut:
    """The first rows as the import would read them: values, problems, and create/update/skip."""
    run = await _run(session, principal, import_id, Action.read)
    try:
        source = await importer.open_file(runtime.storage, run.storage_key)
    except ObjectNotFound:
        raise Conflict(
            "the file of this import is gone (the import is over)", code="import_file_gone"
        ) from None
    kind = kind_of(run.object_type)
    definitions = await _definitions(session, runtime, principal, kind.object_type)
    cipher = await org_cipher(session, keystore_for(runtime.settings), principal.organization_id)
    targets = {header: target for header, target in (run.mapping or {}).items() if target}
    reader = kind.reader(source.headers, targets, cipher, definitions, await repository.members(session))
    outcomes: list[tuple[int, Draft | LeadDraft | str]] = []
    try:
        async for record in source.records:
            outcome = importer.read_row(reader, record, source.delimiter)
            if outcome is not None:
                outcomes.append((record.line, outcome))
            if len(outcomes) >= limit:
                break
    finally:
        await source.close()
    drafts = [outcome for _, outcome in outcomes if not isinstance(outcome, str)]
    plan = await batch.plan(
        session,
        principal.organization_id,
        drafts,
        run.duplicate_policy,  # type: ignore[arg-type]
        definitions,
        kind.dedupe,
    )
    rows: list[PreviewRow] = []
    summary = {"create": 0, "update": 0, "skip": 0, "error": 0}
    for line, outcome in outcomes:
        if isinstance(outcome, str):
            rows.append(PreviewRow(row=line, action="error", values={}, errors=[outcome], duplicates=[]))
        else:
            action, ids = plan.actions[line]
            errors = [error for row, error in plan.errors if row == line]
            row = PreviewRow(row=line, action=action, values=_values(outcome), errors=errors, duplicates=ids)
            rows.append(row)
        summary[rows[-1].action] += 1
    columns = [ImportColumn(header=h, target=targets.get(h)) for h in source.headers]
    if not mapping.can_identify(targets, kind.vocabulary):
        raise BadRequest("map at least one name, e-mail or phone column", code="invalid_mapping")
    return PreviewOut(columns=columns, rows=rows, summary=summary)
