"""Running a contact import: the file streamed in batches, one transaction per batch.

Each batch commits its contacts, its row errors, the import's counts and the job's
progress together, so progress is visible while it runs, a cancellation takes effect at
the next batch, and a run that stops half way resumes exactly after the last committed
batch (``JobRun.done`` counts the rows processed). Every created contact carries the
import's id; the audit trail gets one event for the whole import.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import gc
import logging
import multiprocessing
import signal
import uuid
from collections.abc import Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth.permissions import Scope
from crm.auth.principal import ActorType
from crm.core.db import after_commit, unit_of_work
from crm.core.errors import AppError, BadRequest
from crm.core.runtime import Runtime
from crm.core.security.crypto import OrgCipher, keystore_for, org_cipher
from crm.core.storage import Storage, tenant_key
from crm.customfield import service as custom_fields
from crm.dataio import batch, csvfile, repository
from crm.dataio.kinds import ImportKind, kind_of
from crm.dataio.lead_batch import LeadWriter
from crm.dataio.lead_rows import LeadDraft, LeadRowReader
from crm.dataio.mapping import can_identify
from crm.dataio.rows import Draft, RowInvalid, RowReader
from crm.kit.followups import Change, record_change
from crm.models import CustomFieldDefinition, ImportRun, JobRun

log = logging.getLogger(__name__)

BATCH_SIZE = 2000
# From this many rows on, batches are parsed, validated and encrypted in a child process, so
# that work runs on the other core beside the database's instead of sharing this process's GIL
# with the writes; below it, a thread (a child costs a fork and sending the drafts back).
PROCESS_FROM_ROWS = 3 * BATCH_SIZE


def source_key(organization_id: uuid.UUID, import_id: uuid.UUID, encoding: str) -> str:
    # The detected encoding rides in the object's name: the file is read back exactly as it came.
    return tenant_key(organization_id, "imports", import_id.hex, f"source.{encoding}.csv")


def encoding_of(key: str) -> str:
    encoding = key.rsplit("/", 1)[-1].removeprefix("source.").removesuffix(".csv")
    return encoding if encoding in csvfile.ENCODINGS else "utf-8"


@dataclass
class OpenFile:
    headers: list[str]
    delimiter: str
    records: csvfile.Records

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.records.aclose()


async def open_file(storage: Storage, key: str) -> OpenFile:
    """The file's column names, and its remaining records."""
    records = csvfile.Records(await storage.open(key), encoding_of(key))
    async for record in records:
        if record.text is None:
            await records.aclose()
            raise BadRequest(f"the header row cannot be read: {record.error}", code="invalid_csv")
        delimiter = records.delimiter
        try:
            cells = csvfile.parse(record.text, delimiter)
        except csv.Error as error:
            await records.aclose()
            raise BadRequest(f"the header row is not valid CSV: {error}", code="invalid_csv") from None
        return OpenFile(csvfile.header_names(cells), delimiter, records)
    raise BadRequest("the file is empty", code="empty_file")


def read_row(
    reader: RowReader | LeadRowReader, record: csvfile.Record, delimiter: str, cells: list[str] | None = None
) -> Draft | LeadDraft | str | None:
    """A draft, the error of this row, or None for a row of empty cells (spreadsheets leave some).
    ``cells``: the record already parsed (a batch parses its records in one go)."""
    if record.text is None:
        return record.error or "the row cannot be read"
    if cells is None:
        try:
            cells = csvfile.parse(record.text, delimiter)
        except csv.Error as error:
            return f"the row is not valid CSV: {error}"
    if not any(cell.strip() for cell in cells):
        return None
    try:
        return reader.read(record.line, cells)
    except RowInvalid as invalid:
        return "; ".join(invalid.problems)


@dataclass
class Context:
    run: ImportRun
    kind: ImportKind
    cipher: OrgCipher
    definitions: Mapping[str, CustomFieldDefinition]
    members: Mapping[str, uuid.UUID]
    teammates: set[uuid.UUID]


async def _count_lines(storage: Storage, key: str) -> int:
    lines = 0
    async for chunk in await storage.open(key, chunk_size=1024 * 1024):
        lines += chunk.count(b"\n")
    return lines


async def run_import(
    runtime: Runtime,
    organization_id: uuid.UUID,
    import_id: uuid.UUID,
    job_run_id: uuid.UUID,
    update_scope: Scope,
) -> str:
    """Run (or resume) an import to its end; returns its final status."""
    try:
        return await _run(runtime, organization_id, import_id, job_run_id, update_scope)
    except Exception as error:
        log.exception("import failed", extra={"import_id": str(import_id)})
        detail = error.detail if isinstance(error, AppError) else "an internal error stopped the import"
        async with unit_of_work(runtime.sessions, organization_id) as session:
            await repository.set_status(session, import_id, "failed", only_from=("running",))
            await _job_status(session, job_run_id, "failed", message=f"{detail}; run it again to resume")
        return "failed"


async def _job_status(
    session: AsyncSession, job_run_id: uuid.UUID, status: str, message: str | None = None
) -> None:
    await session.execute(
        update(JobRun).where(JobRun.id == job_run_id).values(status=status, message=message)
    )


async def _start(
    runtime: Runtime, organization_id: uuid.UUID, import_id: uuid.UUID, job_run_id: uuid.UUID
) -> tuple[Context | None, int]:
    async with unit_of_work(runtime.sessions, organization_id) as session:
        if not await repository.set_status(session, import_id, "running", only_from=("queued",)):
            return None, 0  # cancelled before it started, or a duplicate job
        run = (await session.execute(select(ImportRun).where(ImportRun.id == import_id))).scalar_one()
        job = (await session.execute(select(JobRun).where(JobRun.id == job_run_id))).scalar_one()
        job.status = "running"
        kind = kind_of(run.object_type)
        context = Context(
            run=run,
            kind=kind,
            cipher=await org_cipher(session, keystore_for(runtime.settings), organization_id),
            definitions=await custom_fields.definitions(session, runtime, organization_id, kind.object_type),
            members=await repository.members(session),
            teammates=await repository.teammates(session, run.created_by),
        )
        return context, job.done


async def _run(
    runtime: Runtime,
    organization_id: uuid.UUID,
    import_id: uuid.UUID,
    job_run_id: uuid.UUID,
    update_scope: Scope,
) -> str:
    context, done = await _start(runtime, organization_id, import_id, job_run_id)
    if context is None:
        async with unit_of_work(runtime.sessions, organization_id) as session:
            status = await repository.status_of(session, import_id) or "missing"
            if status == "cancelled":
                await repository.progress(session, job_run_id, done=done, total=None)
                await _job_status(session, job_run_id, "cancelled")
        return status
    run = context.run
    storage = runtime.storage
    total = max(await _count_lines(storage, run.storage_key) - 1, 0)
    source = await open_file(storage, run.storage_key)
    mapping = {header: target for header, target in (run.mapping or {}).items() if header in source.headers}
    kind = context.kind
    if not can_identify(mapping, kind.vocabulary):
        await source.close()
        raise BadRequest("the mapping gives no name, e-mail or phone column", code="invalid_mapping")
    reader = kind.reader(source.headers, mapping, context.cipher, context.definitions, context.members)
    writer = kind.writer(
        import_id=import_id,
        created_by=run.created_by,
        cipher=context.cipher,
        definitions=context.definitions,
        update_scope=update_scope,
        teammates=context.teammates,
    )
    job = _Batches(
        runtime=runtime,
        organization_id=organization_id,
        import_id=import_id,
        job_run_id=job_run_id,
        total=total,
        preparer=Preparer(reader, writer, source.delimiter),
        writer=writer,
        policy=run.duplicate_policy,  # type: ignore[arg-type]
        context=context,
    )
    status, processed = await job.pump(source, done)
    await _finish(runtime, organization_id, run, job_run_id, status, processed)
    return status


@dataclass
class Prepared:
    drafts: list[Draft | LeadDraft]
    errors: list[tuple[int, str]]


@dataclass
class Preparer:
    """Parses, validates and encrypts batches of records: pure computation, no database, so it
    runs off the event loop, in a thread or in a child process."""

    reader: RowReader | LeadRowReader
    writer: batch.Writer | LeadWriter
    delimiter: str

    def prepare(self, records: list[csvfile.Record]) -> Prepared:
        prepared = Prepared([], [])
        parsed = csvfile.parse_many([r.text for r in records if r.text is not None], self.delimiter)
        position = 0
        for record in records:
            cells = None
            if parsed is not None and record.text is not None:
                cells, position = parsed[position], position + 1
            outcome = read_row(self.reader, record, self.delimiter, cells)
            if outcome is None:
                continue
            if isinstance(outcome, str):
                prepared.errors.append((record.line, outcome))
            else:
                self.writer.prepare(outcome)  # type: ignore[arg-type]
                prepared.drafts.append(outcome)
        return prepared


# The child process's preparer. The child is forked, so it inherits the preparer (and the
# organisation's cipher inside it) from memory: keys are never pickled or sent through a pipe.
# Only records go to it and drafts come back.
_child_preparer: Preparer | None = None


def _adopt(preparer: Preparer) -> None:
    global _child_preparer
    _child_preparer = preparer
    # The worker's event loop hands signals over a wake-up socket the child shares: the child
    # must not wake the parent's loop with its own signals, and dies on them like any process.
    signal.set_wakeup_fd(-1)
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, signal.SIG_DFL)
    # The inherited heap (the whole worker's objects) is out of the collector's sight: a full
    # collection would walk it all, and write to its pages (copy-on-write), each time drafts
    # pile up; measured: a fifth less CPU in the child.
    gc.freeze()


def _prepare_in_child(records: list[csvfile.Record]) -> Prepared:
    assert _child_preparer is not None, "the child process was started without a preparer"
    return _child_preparer.prepare(records)


def _child_process(preparer: Preparer) -> ProcessPoolExecutor:
    # "fork", never "spawn"/"forkserver": those would pickle the preparer and its keys.
    context = multiprocessing.get_context("fork")
    return ProcessPoolExecutor(1, mp_context=context, initializer=_adopt, initargs=(preparer,))


@dataclass
class _Batches:
    runtime: Runtime
    organization_id: uuid.UUID
    import_id: uuid.UUID
    job_run_id: uuid.UUID
    total: int
    preparer: Preparer
    writer: batch.Writer | LeadWriter
    policy: batch.Policy
    context: Context

    async def pump(self, source: OpenFile, done: int) -> tuple[str, int]:
        """Read and prepare batch N+1 (in a child process for a large file, else a thread) while
        batch N is written: the CPU work of parsing and encrypting overlaps the database's.
        Returns the final status and rows read."""
        queue: asyncio.Queue[tuple[Prepared, int] | BaseException | None] = asyncio.Queue(maxsize=2)
        child = _child_process(self.preparer) if self.total - done >= PROCESS_FROM_ROWS else None
        producer = asyncio.create_task(self._produce(source, done, queue, child))
        processed = done
        try:
            while (item := await queue.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                prepared, processed = item
                if not await self.run(prepared, processed):
                    return "cancelled", processed
            return "completed", processed
        finally:
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await producer
            if child is not None:  # reaped before returning: no process outlives its import
                await asyncio.to_thread(child.shutdown, wait=True, cancel_futures=True)
            await source.close()

    async def _produce(
        self,
        source: OpenFile,
        done: int,
        queue: asyncio.Queue[tuple[Prepared, int] | BaseException | None],
        child: Executor | None,
    ) -> None:
        loop = asyncio.get_running_loop()

        async def prepare(records: list[csvfile.Record]) -> Prepared:
            if child is None:
                return await asyncio.to_thread(self.preparer.prepare, records)
            return await loop.run_in_executor(child, _prepare_in_child, records)

        try:
            count = 0
            pending: list[csvfile.Record] = []
            async for record in source.records:
                count += 1
                if count <= done:
                    continue  # committed by an earlier attempt
                pending.append(record)
                if len(pending) >= BATCH_SIZE:
                    await queue.put((await prepare(pending), count))
                    pending = []
            await queue.put((await prepare(pending), count))
            await queue.put(None)
        except Exception as error:
            await queue.put(error)

    async def run(self, prepared: Prepared, processed: int) -> bool:
        """Plan and write one batch in its own transaction; False when the import was cancelled."""
        errors = list(prepared.errors)
        sessions = self.runtime.sessions
        async with unit_of_work(sessions, self.organization_id, self.context.run.created_by) as session:
            if await repository.status_of(session, self.import_id) != "running":
                return False
            await repository.relax_commit(session)
            kind = self.context.kind
            plan = await batch.plan(
                session,
                self.organization_id,
                prepared.drafts,
                self.policy,
                self.context.definitions,
                kind.dedupe,
            )
            written = await self.writer.write(session, plan.units)
            errors += plan.errors + written.errors
            # One notice per verb for the whole batch (followers enqueue one job, not one per row).
            for verb, ids in (("created", written.created_ids), ("updated", written.updated_ids)):
                actor = self.context.run.created_by
                change = Change(self.organization_id, kind.object_type, tuple(ids), verb, actor_id=actor)
                await record_change(session, self.runtime, change)
            await repository.insert_errors(session, self.import_id, errors)
            await repository.add_counts(
                session,
                self.import_id,
                created=written.created,
                updated=written.updated,
                skipped=len(plan.skipped),
                failed=len(errors),
            )
            await repository.progress(
                session, self.job_run_id, done=processed, total=max(self.total, processed)
            )
        return True


async def _finish(
    runtime: Runtime,
    organization_id: uuid.UUID,
    run: ImportRun,
    job_run_id: uuid.UUID,
    status: str,
    processed: int,
) -> None:
    async with unit_of_work(runtime.sessions, organization_id) as session:
        await repository.set_status(
            session, run.id, status, only_from=("running", "cancelling"), total_rows=processed
        )
        await repository.progress(session, job_run_id, done=processed, total=processed)
        await _job_status(session, job_run_id, "succeeded" if status == "completed" else status)
        final = (await session.execute(select(ImportRun).where(ImportRun.id == run.id))).scalar_one()
        await record_event(
            session,
            action=f"import.{'complete' if status == 'completed' else 'cancel'}",
            actor=None,
            organization_id=organization_id,
            actor_type=ActorType.user,
            actor_id=run.created_by,
            entity_type="import",
            entity_id=run.id,
            meta=counts_meta(final),
        )
        await record_change(
            session, runtime, Change(organization_id, "import", (run.id,), status, actor_id=None)
        )
        key = run.storage_key

        async def drop_source() -> None:
            # The file holds personal data in clear: it goes once the import is over.
            with contextlib.suppress(Exception):
                await runtime.storage.delete(key)

        after_commit(session, drop_source)


def counts_meta(run: ImportRun) -> dict[str, Any]:
    return {
        "object_type": run.object_type,
        "duplicate_policy": run.duplicate_policy,
        "rows": run.total_rows,
        "created": run.created_count,
        "updated": run.updated_count,
        "skipped": run.skipped_count,
        "failed": run.failed_count,
    }
