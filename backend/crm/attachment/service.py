"""Attachments on contacts, companies, leads and deals, through the storage driver.

A file is reachable only through its record: listing or downloading needs the record in
the caller's read scope (404 otherwise, never 403: no probing), adding or deleting one
needs it in their edit scope. Types are sniffed from the bytes against an allow-list;
the size limit is the storage setting. Objects are keyed by organisation and attachment
id only, so a file name never reaches a storage key.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.attachment import repository
from crm.attachment.schemas import (
    AttachmentOut,
    DownloadUrlOut,
    PresignedUploadOut,
    PresignOut,
    PresignRequest,
)
from crm.attachment.upload import FilePart, check_length, safe_file_name
from crm.audit.service import record_event
from crm.auth.permissions import Action
from crm.auth.principal import Principal
from crm.core.db import after_commit
from crm.core.errors import BadRequest, Conflict, Forbidden, NotFound
from crm.core.runtime import Runtime
from crm.core.storage import (
    ContentTypeNotAllowed,
    ObjectTooLarge,
    PresignNotSupported,
    check_content_type,
    sniff_upload,
    tenant_key,
)
from crm.kit.followups import Change, record_change
from crm.kit.pagination import Page, decode_cursor, encode_cursor
from crm.kit.records import scope_clause
from crm.models import Attachment, Company, Contact, Deal, Lead

# object type -> (model, permission resource)
OBJECTS: dict[str, tuple[Any, str]] = {
    "contact": (Contact, "contacts"),
    "company": (Company, "companies"),
    "lead": (Lead, "leads"),
    "deal": (Deal, "deals"),
}
COLLECTIONS = {"contacts": "contact", "companies": "company", "leads": "lead", "deals": "deal"}

ALLOWED_TYPES = frozenset(
    {
        # images (photos, scans)
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/tiff",
        "image/bmp",
        "image/heic",
        # documents
        "application/pdf",
        "application/rtf",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        # text
        "text/plain",
        "text/csv",
        "text/markdown",
        "text/calendar",
        "text/vcard",
        # audio (voice notes); browsers record WebM, which sniffs as video/webm
        "audio/mpeg",
        "audio/mp4",
        "audio/x-m4a",
        "audio/aac",
        "audio/wav",
        "audio/wave",
        "audio/x-wav",
        "audio/ogg",
        "audio/webm",
        "audio/flac",
        "video/webm",
        "application/ogg",
    }
)
LIST_SORT = "-created_at"


def to_out(row: Attachment) -> AttachmentOut:
    return AttachmentOut(
        id=row.id,
        object_type=row.object_type,
        record_id=row.record_id,
        file_name=row.file_name,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        status="pending" if row.status == "pending" else "ready",
        uploaded_by=row.uploaded_by,
        created_at=row.created_at,
    )


async def check_record(
    session: AsyncSession, principal: Principal, object_type: str, record_id: uuid.UUID, *, edit: bool
) -> None:
    """404 unless the record is in the caller's read scope; 403 when it must be editable and is not."""
    model, resource = OBJECTS[object_type]
    readable = scope_clause(principal.scope(resource, Action.read), model.owner_id, principal)
    editable = scope_clause(principal.scope(resource, Action.update), model.owner_id, principal)
    access = await repository.record_access(session, model, record_id, readable, editable)
    if access is None:
        raise NotFound(f"no such {object_type}")
    if edit and not access:
        raise Forbidden(f"your role may not change this {object_type}", code="forbidden")


async def _attachment(
    session: AsyncSession, principal: Principal, attachment_id: uuid.UUID, *, edit: bool
) -> Attachment:
    row = await repository.get(session, attachment_id)
    if row is None or row.object_type not in OBJECTS:
        raise NotFound("no such attachment")
    try:
        await check_record(session, principal, row.object_type, row.record_id, edit=edit)
    except NotFound:
        raise NotFound("no such attachment") from None
    return row


def _key(principal: Principal, attachment_id: uuid.UUID) -> str:
    return tenant_key(principal.organization_id, "attachments", attachment_id.hex)


async def _created(
    session: AsyncSession, runtime: Runtime, principal: Principal, row: Attachment
) -> AttachmentOut:
    # The file name can name a person: the trail keeps the facts, never the name.
    await record_event(
        session,
        action="attachment.create",
        actor=principal,
        entity_type="attachment",
        entity_id=row.id,
        meta={
            "object_type": row.object_type,
            "record_id": str(row.record_id),
            "content_type": row.content_type,
            "size": row.size,
        },
    )
    await record_change(
        session,
        runtime,
        Change(
            principal.organization_id,
            row.object_type,
            (row.record_id,),
            "attached",
            actor_id=principal.user_id,
        ),
    )
    return to_out(row)


async def upload(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    object_type: str,
    record_id: uuid.UUID,
    request_part: FilePart,
) -> AttachmentOut:
    """Stream one file into storage (sniffed, size-limited) and attach it to the record."""
    await check_record(session, principal, object_type, record_id, edit=True)
    limit = runtime.settings.storage_max_upload_bytes
    content_type, chunks = await sniff_upload(request_part.chunks, request_part.declared_type, ALLOWED_TYPES)
    attachment_id = uuid.uuid4()
    key = _key(principal, attachment_id)
    stored = await runtime.storage.put(key, chunks, content_type, max_bytes=limit)
    try:
        if stored.size == 0:
            raise BadRequest("the file is empty", code="empty_file")
        row = Attachment(
            id=attachment_id,
            object_type=object_type,
            record_id=record_id,
            file_name=request_part.file_name,
            content_type=content_type,
            size=stored.size,
            sha256=stored.sha256,
            storage_key=key,
            status="ready",
            uploaded_by=principal.user_id,
        )
        session.add(row)
        await session.flush()
        await session.refresh(row)
        return await _created(session, runtime, principal, row)
    except BaseException:
        # The row will not be committed: do not leave its bytes behind.
        with contextlib.suppress(Exception):
            await runtime.storage.delete(key)
        raise


async def presign(
    session: AsyncSession,
    runtime: Runtime,
    principal: Principal,
    object_type: str,
    record_id: uuid.UUID,
    body: PresignRequest,
) -> PresignOut:
    """A pending attachment and a URL to PUT its bytes to directly (S3 only), then ``confirm``."""
    await check_record(session, principal, object_type, record_id, edit=True)
    storage = runtime.storage
    if not storage.supports_presign:
        raise BadRequest(
            f"presigned uploads are not supported by the {storage.driver} storage driver; "
            "upload the file through the API instead",
            code="presign_not_supported",
        )
    content_type = body.content_type.split(";", 1)[0].strip().lower()
    if content_type not in ALLOWED_TYPES:
        raise ContentTypeNotAllowed(f"content type {content_type} is not accepted here")
    limit = runtime.settings.storage_max_upload_bytes
    if body.size > limit:
        raise ObjectTooLarge(f"object is larger than the limit of {limit} bytes")
    attachment_id = uuid.uuid4()
    key = _key(principal, attachment_id)
    upload_url = await storage.presigned_put_url(key, content_type, max_bytes=limit, content_length=body.size)
    row = Attachment(
        id=attachment_id,
        object_type=object_type,
        record_id=record_id,
        file_name=safe_file_name(body.file_name),
        content_type=content_type,
        size=body.size,
        sha256="",
        storage_key=key,
        status="pending",
        uploaded_by=principal.user_id,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return PresignOut(
        attachment=to_out(row),
        upload=PresignedUploadOut(method=upload_url.method, url=upload_url.url, headers=upload_url.headers),
    )


async def confirm(
    session: AsyncSession, runtime: Runtime, principal: Principal, attachment_id: uuid.UUID
) -> AttachmentOut:
    """Check a presigned upload (size, type sniffed from its first bytes) and make it ready.

    A file that breaks a rule is deleted from storage; the attachment stays pending, so the
    client may PUT again (while the URL lasts) and confirm again.
    """
    row = await _attachment(session, principal, attachment_id, edit=True)
    if row.uploaded_by != principal.user_id:
        raise NotFound("no such attachment")
    if row.status != "pending":
        raise Conflict("this attachment is already confirmed", code="already_confirmed")
    storage = runtime.storage
    limit = runtime.settings.storage_max_upload_bytes
    stored = await storage.confirm_upload(row.storage_key, max_bytes=limit, allowed=ALLOWED_TYPES)
    try:
        content_type = check_content_type(
            await storage.read_head(row.storage_key), row.content_type, ALLOWED_TYPES
        )
    except ContentTypeNotAllowed:
        await storage.delete(row.storage_key)
        raise
    digest = hashlib.sha256()
    async for chunk in await storage.open(row.storage_key):
        digest.update(chunk)
    row.status, row.size, row.content_type, row.sha256 = (
        "ready",
        stored.size,
        content_type,
        digest.hexdigest(),
    )
    await session.flush()
    return await _created(session, runtime, principal, row)


async def list_for_record(
    session: AsyncSession,
    principal: Principal,
    object_type: str,
    record_id: uuid.UUID,
    *,
    limit: int,
    cursor: str | None,
) -> Page[AttachmentOut]:
    await check_record(session, principal, object_type, record_id, edit=False)
    after = None
    if cursor:
        created_at, last_id = decode_cursor(cursor, LIST_SORT, 2, (dt.datetime, uuid.UUID))
        after = (created_at, last_id)
    rows = await repository.page(session, object_type, record_id, limit=limit, after=after)
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(LIST_SORT, [rows[-1].created_at, rows[-1].id])
    return Page[AttachmentOut](items=[to_out(row) for row in rows], next_cursor=next_cursor)


async def get(session: AsyncSession, principal: Principal, attachment_id: uuid.UUID) -> AttachmentOut:
    return to_out(await _attachment(session, principal, attachment_id, edit=False))


async def ready(session: AsyncSession, principal: Principal, attachment_id: uuid.UUID) -> Attachment:
    """A downloadable attachment (its record readable by the caller)."""
    row = await _attachment(session, principal, attachment_id, edit=False)
    if row.status != "ready":
        raise NotFound("no such attachment")
    return row


async def download_url(runtime: Runtime, row: Attachment) -> DownloadUrlOut:
    storage = runtime.storage
    try:
        url = await storage.presigned_get_url(row.storage_key, download_name=row.file_name)
    except PresignNotSupported:
        raise BadRequest(
            f"download URLs are not supported by the {storage.driver} storage driver; "
            "use the download endpoint",
            code="presign_not_supported",
        ) from None
    return DownloadUrlOut(url=url, expires_in=storage.presign_seconds)


async def delete(
    session: AsyncSession, runtime: Runtime, principal: Principal, attachment_id: uuid.UUID
) -> None:
    """Delete the attachment; its bytes go once the deletion is committed."""
    row = await _attachment(session, principal, attachment_id, edit=True)
    allowed = scope_clause(principal.scope("attachments", Action.delete), Attachment.uploaded_by, principal)
    if not await repository.matches(session, row.id, allowed):
        raise Forbidden("your role may delete only files you (or your teams) uploaded", code="forbidden")
    await repository.remove(session, [row.id])
    await record_event(
        session,
        action="attachment.delete",
        actor=principal,
        entity_type="attachment",
        entity_id=row.id,
        meta={"object_type": row.object_type, "record_id": str(row.record_id)},
    )
    _delete_after_commit(session, runtime, [row.storage_key])
    await record_change(
        session,
        runtime,
        Change(
            principal.organization_id,
            row.object_type,
            (row.record_id,),
            "detached",
            actor_id=principal.user_id,
        ),
    )


def _delete_after_commit(session: AsyncSession, runtime: Runtime, keys: list[str]) -> None:
    async def purge() -> None:
        for key in keys:
            # A failure leaves an unreferenced object (harmless, never a dangling row).
            with contextlib.suppress(Exception):
                await runtime.storage.delete(key)

    after_commit(session, purge)


async def purge_record(
    session: AsyncSession, runtime: Runtime, object_type: str, record_id: uuid.UUID
) -> int:
    """Every attachment of a record, rows now and bytes after commit (GDPR erase of the record)."""
    rows = await repository.of_record(session, object_type, record_id)
    await repository.remove(session, [row.id for row in rows])
    _delete_after_commit(session, runtime, [row.storage_key for row in rows])
    return len(rows)


__all__ = ["COLLECTIONS", "OBJECTS", "check_length"]
