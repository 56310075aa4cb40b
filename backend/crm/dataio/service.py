"""CSV imports: upload, mapping, preview, run, cancel, report.

An import belongs to who uploaded it (the ``imports`` scope reaches further for admins).
The file is streamed to storage with a size limit, refused when it is not text, and read
back in its own encoding; mapping suggestions come from the header. Running it queues a
job (in the same transaction); the job writes in batches and reports progress.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.attachment.upload import FilePart
from crm.audit.service import record_event
from crm.auth.permissions import Action
from crm.auth.principal import Principal
from crm.core import jobs
from crm.core.db import after_commit
from crm.core.errors import BadRequest, Conflict, Forbidden, NotFound
from crm.core.runtime import Runtime
from crm.core.storage import ObjectNotFound
from crm.customfield import service as custom_fields
from crm.dataio import csvfile, importer, mapping, repository
from crm.dataio.kinds import kind_of
from crm.dataio.schemas import (
    ImportColumn,
    ImportField,
    ImportOut,
    MappingIn,
    Progress,
    RowErrorOut,
    RunIn,
)
from crm.dataio.tasks import run_import_job
from crm.kit.pagination import Page, decode_cursor, encode_cursor
from crm.kit.records import scope_clause
from crm.models import ImportRun, JobRun

MAX_IMPORT_BYTES = 64 * 1024 * 1024
PREVIEW_MAX = 100
LIST_SORT = "-created_at"
ERRORS_SORT = "row"
ACTIVE = ("queued", "running", "cancelling")


def _scope(principal: Principal, action: Action) -> Any:
    return scope_clause(principal.scope("imports", action), ImportRun.created_by, principal)


async def _run(
    session: AsyncSession, principal: Principal, import_id: uuid.UUID, action: Action
) -> ImportRun:
    run = await repository.get_run(session, import_id, _scope(principal, action))
    if run is None:
        raise NotFound("no such import")
    return run


async def _definitions(
    session: AsyncSession, runtime: Runtime, principal: Principal, object_type: str
) -> dict[str, Any]:
    return dict(await custom_fields.definitions(session, runtime, principal.organization_id, object_type))


def fields(
    definitions: dict[str, Any], vocabulary: mapping.Vocabulary = mapping.CONTACTS
) -> list[ImportField]:
    found = [
        ImportField(key=key, description=vocabulary.doc[key], multiple=key in vocabulary.multi)
        for key in (*vocabulary.single, *vocabulary.multi)
    ]
    for key, definition in definitions.items():
        found.append(
            ImportField(key=f"cf.{key}", description=f"custom field: {definition.label}", multiple=False)
        )
    return found


async def import_fields(
    session: AsyncSession, runtime: Runtime, principal: Principal, object_type: str = "contact"
) -> list[ImportField]:
    kind = kind_of(object_type)
    definitions = await _definitions(session, runtime, principal, kind.object_type)
    return fields(dict(definitions), kind.vocabulary)


async def _headers(runtime: Runtime, run: ImportRun) -> list[str] | None:
    """The file's column names, while the file is kept (until the import is over)."""
    try:
        source = await importer.open_file(runtime.storage, run.storage_key)
    except (ObjectNotFound, BadRequest):
        return None
    await source.close()
    return source.headers


def to_out(run: ImportRun, headers: list[str] | None, job: JobRun | None) -> ImportOut:
    stored = run.mapping or {}
    names = headers if headers is not None else list(stored)
    return ImportOut(
        id=run.id,
        object_type=run.object_type,
        file_name=run.file_name,
        status=run.status,
        duplicate_policy=run.duplicate_policy,
        columns=[ImportColumn(header=name, target=stored.get(name) or None) for name in names],
        total_rows=run.total_rows,
        created=run.created_count,
        updated=run.updated_count,
        skipped=run.skipped_count,
        failed=run.failed_count,
        progress=Progress(done=job.done, total=job.total) if job is not None else None,
        job_run_id=run.job_run_id,
        created_by=run.created_by,
        created_at=run.created_at,
        updated_at=run.updated_at,
    )


async def _out(session: AsyncSession, runtime: Runtime, run: ImportRun, *, headers: bool = True) -> ImportOut:
    job = (
        (await repository.job_runs(session, [run.job_run_id])).get(run.job_run_id) if run.job_run_id else None
    )
    over = run.status in ("completed", "cancelled")
    return to_out(run, await _headers(runtime, run) if headers and not over else None, job)


async def _sniffed(part: FilePart, encoding: str | None) -> tuple[str, AsyncIterator[bytes]]:
    head = bytearray()
    buffered: list[bytes] = []
    async for chunk in part.chunks:
        buffered.append(chunk)
        head += chunk
        if len(head) >= 64 * 1024:
            break
    detected = csvfile.detect_encoding(bytes(head[: 64 * 1024]), encoding)

    async def replay() -> AsyncIterator[bytes]:
        for chunk in buffered:
            yield chunk
        async for chunk in part.chunks:
            yield chunk

    return detected, replay()


async def upload(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    part: FilePart,
    *,
    encoding: str | None,
    object_type: str = "contact",
) -> ImportOut:
    """Store the file, read its header and suggest a mapping; nothing is imported yet."""
    kind = kind_of(object_type)
    if not principal.can(kind.resource, Action.create):
        raise Forbidden(f"your role may not create {kind.noun}", code="forbidden")
    import_id = uuid.uuid4()
    detected, chunks = await _sniffed(part, encoding)
    key = importer.source_key(principal.organization_id, import_id, detected)
    stored = await runtime.storage.put(key, chunks, "text/csv", max_bytes=MAX_IMPORT_BYTES)
    try:
        source = await importer.open_file(runtime.storage, key)
        await source.close()
        definitions = await custom_fields.definitions(
            session, runtime, principal.organization_id, kind.object_type
        )
        suggested = mapping.suggest(source.headers, definitions, kind.vocabulary)
        run = ImportRun(
            id=import_id,
            object_type=kind.object_type,
            file_name=part.file_name,
            storage_key=key,
            mapping={header: target or "" for header, target in suggested.items()},
            duplicate_policy="skip",
            status="uploaded",
            created_by=principal.user_id,
        )
        session.add(run)
        await session.flush()
        await session.refresh(run)
        await record_event(
            session,
            action="import.create",
            actor=principal,
            entity_type="import",
            entity_id=run.id,
            meta={
                "object_type": kind.object_type,
                "size": stored.size,
                "columns": len(source.headers),
                "encoding": detected,
            },
        )
    except BaseException:
        with contextlib.suppress(Exception):
            await runtime.storage.delete(key)
        raise
    return to_out(run, source.headers, None)


async def list_imports(
    session: AsyncSession, runtime: Runtime, principal: Principal, *, limit: int, cursor: str | None
) -> Page[ImportOut]:
    after = None
    if cursor:
        created_at, last_id = decode_cursor(cursor, LIST_SORT, 2, (dt.datetime, uuid.UUID))
        after = (created_at, last_id)
    runs = await repository.page_runs(session, _scope(principal, Action.read), limit=limit, after=after)
    next_cursor = None
    if len(runs) > limit:
        runs = runs[:limit]
        next_cursor = encode_cursor(LIST_SORT, [runs[-1].created_at, runs[-1].id])
    jobs_by_id = await repository.job_runs(session, [r.job_run_id for r in runs if r.job_run_id])
    items = [to_out(run, None, jobs_by_id.get(run.job_run_id) if run.job_run_id else None) for run in runs]
    return Page[ImportOut](items=items, next_cursor=next_cursor)


async def get(
    session: AsyncSession, runtime: Runtime, principal: Principal, import_id: uuid.UUID
) -> ImportOut:
    return await _out(session, runtime, await _run(session, principal, import_id, Action.read))


async def set_mapping(
    session: AsyncSession, runtime: Runtime, principal: Principal, import_id: uuid.UUID, body: MappingIn
) -> ImportOut:
    run = await _run(session, principal, import_id, Action.update)
    if run.status != "uploaded":
        raise Conflict(
            f"this import is {run.status}; its mapping can no longer change", code="import_started"
        )
    headers = await _headers(runtime, run)
    if headers is None:
        raise Conflict("the file of this import is gone; upload it again", code="import_file_gone")
    kind = kind_of(run.object_type)
    definitions = await _definitions(session, runtime, principal, kind.object_type)
    cleaned = mapping.check(body.mapping, headers, definitions, kind.vocabulary)
    run.mapping = {header: cleaned.get(header, "") for header in headers}
    if body.duplicate_policy is not None:
        run.duplicate_policy = body.duplicate_policy
    await session.flush()
    await session.refresh(run)
    return to_out(run, headers, None)


async def start(
    session: AsyncSession, runtime: Runtime, principal: Principal, import_id: uuid.UUID, body: RunIn
) -> ImportOut:
    """Queue the import (or resume a failed one from where it stopped)."""
    run = await _run(session, principal, import_id, Action.update)
    if run.status not in ("uploaded", "failed"):
        raise Conflict(f"this import is already {run.status}", code="import_started")
    if body.duplicate_policy is not None:
        run.duplicate_policy = body.duplicate_policy
    kind = kind_of(run.object_type)
    if not principal.can(kind.resource, Action.create):
        raise Forbidden(f"your role may not create {kind.noun}", code="forbidden")
    if run.duplicate_policy == "update" and not principal.can(kind.resource, Action.update):
        raise Forbidden(f"your role may not update {kind.noun}: choose skip or create", code="forbidden")
    if not mapping.can_identify({h: t for h, t in (run.mapping or {}).items() if t}, kind.vocabulary):
        raise BadRequest("map at least one name, e-mail or phone column", code="invalid_mapping")
    update_scope = principal.scope(kind.resource, Action.update).name
    organization_id, run_id = str(run.organization_id), str(run.id)
    if run.job_run_id is None:
        job = await jobs.start_tracked(
            session,
            run_import_job,
            organization_id=organization_id,
            import_id=run_id,
            update_scope=update_scope,
        )
        run.job_run_id = job.id
    else:
        job = (await repository.job_runs(session, [run.job_run_id]))[run.job_run_id]
        job.status, job.message = "queued", None
        job.procrastinate_job_id = await jobs.enqueue(
            session,
            run_import_job,
            job_run_id=str(job.id),
            organization_id=organization_id,
            import_id=run_id,
            update_scope=update_scope,
        )
    run.status = "queued"
    await session.flush()
    await record_event(
        session,
        action="import.start",
        actor=principal,
        entity_type="import",
        entity_id=run.id,
        meta={
            "object_type": run.object_type,
            "duplicate_policy": run.duplicate_policy,
            "fields": sorted({t for t in (run.mapping or {}).values() if t}),
        },
    )
    await session.refresh(run)
    return to_out(run, None, job)


async def cancel(
    session: AsyncSession, runtime: Runtime, principal: Principal, import_id: uuid.UUID
) -> ImportOut:
    """Stop an import: at once if it has not started, else after the batch being written."""
    run = await _run(session, principal, import_id, Action.update)
    if await repository.set_status(session, run.id, "cancelled", only_from=("uploaded", "queued", "failed")):
        if run.job_run_id is not None:
            job = (await repository.job_runs(session, [run.job_run_id]))[run.job_run_id]
            job.status = "cancelled"
        key = run.storage_key

        async def drop() -> None:
            with contextlib.suppress(Exception):
                await runtime.storage.delete(key)

        after_commit(session, drop)
    elif not await repository.set_status(session, run.id, "cancelling", only_from=("running",)):
        raise Conflict(f"this import is already {run.status}", code="import_finished")
    await record_event(
        session, action="import.cancel_request", actor=principal, entity_type="import", entity_id=run.id
    )
    await session.refresh(run)
    return await _out(session, runtime, run, headers=False)


async def row_errors(
    session: AsyncSession, principal: Principal, import_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[RowErrorOut]:
    run = await _run(session, principal, import_id, Action.read)
    after = decode_cursor(cursor, ERRORS_SORT, 1, (int,))[0] if cursor else None
    rows = await repository.errors_page(session, run.id, after=after, limit=limit)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(ERRORS_SORT, [rows[-1].row_number])
    return Page[RowErrorOut](
        items=[RowErrorOut(row=r.row_number, error=r.error) for r in rows], next_cursor=next_cursor
    )


async def errors_csv(session: AsyncSession, import_id: uuid.UUID) -> AsyncIterator[str]:
    writer = csvfile.CsvWriter()
    writer.row(["row", "error"])
    after: int | None = None
    while True:
        rows = await repository.errors_page(session, import_id, after=after, limit=5000)
        for row in rows[:5000]:
            writer.row([row.row_number, row.error])
        yield writer.take()
        if len(rows) <= 5000:
            return
        after = rows[4999].row_number


async def delete(session: AsyncSession, runtime: Runtime, principal: Principal, import_id: uuid.UUID) -> None:
    """Forget an import (its file and error report); the contacts it created stay."""
    run = await _run(session, principal, import_id, Action.delete)
    if run.status in ACTIVE:
        raise Conflict("cancel the import before deleting it", code="import_active")
    await session.delete(run)
    await record_event(
        session, action="import.delete", actor=principal, entity_type="import", entity_id=run.id
    )
    key = run.storage_key

    async def drop() -> None:
        with contextlib.suppress(Exception):
            await runtime.storage.delete(key)

    after_commit(session, drop)
