"""/api/v1/{contacts,companies,leads,deals}/{id}/attachments and /api/v1/attachments/{id}."""

from __future__ import annotations

import unicodedata
import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from crm.attachment import service
from crm.attachment.schemas import AttachmentOut, DownloadUrlOut, PresignOut, PresignRequest
from crm.attachment.upload import check_length, file_part
from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.kit.pagination import Page

router = APIRouter(tags=["attachments"])

MULTIPART_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            }
        },
    }
}

Reader = Annotated[Principal, Depends(require_permission("attachments", "read"))]
Creator = Annotated[Principal, Depends(require_permission("attachments", "create"))]
Deleter = Annotated[Principal, Depends(require_permission("attachments", "delete"))]


def content_disposition(file_name: str) -> str:
    """``attachment`` with an ASCII fallback and the exact UTF-8 name (RFC 6266 / 5987)."""
    ascii_name = unicodedata.normalize("NFKD", file_name).encode("ascii", "ignore").decode()
    ascii_name = "".join(c if c.isprintable() and c not in '"\\;' else "_" for c in ascii_name) or "file"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def _mount(collection: str, object_type: str) -> None:
    label = object_type

    async def list_attachments(
        record_id: uuid.UUID,
        principal: Reader,
        session: TenantSession,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Query(max_length=500)] = None,
    ) -> Page[AttachmentOut]:
        return await service.list_for_record(
            session, principal, object_type, record_id, limit=limit, cursor=cursor
        )

    async def upload_attachment(
        record_id: uuid.UUID,
        request: Request,
        principal: Creator,
        session: TenantSession,
        runtime: RuntimeDep,
    ) -> AttachmentOut:
        check_length(request, runtime.settings.storage_max_upload_bytes)
        part = await file_part(request)
        return await service.upload(session, runtime, principal, object_type, record_id, part)

    async def presign_attachment(
        record_id: uuid.UUID,
        body: PresignRequest,
        principal: Creator,
        session: TenantSession,
        runtime: RuntimeDep,
    ) -> PresignOut:
        return await service.presign(session, runtime, principal, object_type, record_id, body)

    router.add_api_route(
        f"/{collection}/{{record_id}}/attachments",
        list_attachments,
        methods=["GET"],
        response_model=Page[AttachmentOut],
        name=f"list_{label}_attachments",
        description=f"The files attached to a {label}, newest first (keyset pages). "
        f"404 if the {label} is not visible to you.",
    )
    router.add_api_route(
        f"/{collection}/{{record_id}}/attachments",
        upload_attachment,
        methods=["POST"],
        status_code=201,
        response_model=AttachmentOut,
        name=f"upload_{label}_attachment",
        openapi_extra=MULTIPART_BODY,
        responses={
            413: {"description": "the file is larger than the storage limit"},
            415: {"description": "the file's content is not an accepted type"},
        },
        description=f"Attach a file to a {label}: `multipart/form-data` with one part named `file`, "
        "streamed to storage. The type is sniffed from the content (images, PDF, office documents, "
        "text, audio); the size limit is `CRM_STORAGE_MAX_UPLOAD_BYTES`.",
    )
    router.add_api_route(
        f"/{collection}/{{record_id}}/attachments/presign",
        presign_attachment,
        methods=["POST"],
        status_code=201,
        response_model=PresignOut,
        name=f"presign_{label}_attachment",
        description=f"Start a direct upload to S3 for a {label}: PUT the bytes to `upload.url` with "
        "`upload.headers`, then call `POST /attachments/{id}/confirm`. With the local storage "
        "driver this answers 400 `presign_not_supported`: upload through the API instead.",
    )


for _collection, _object_type in service.COLLECTIONS.items():
    _mount(_collection, _object_type)


@router.get("/attachments/{attachment_id}", response_model=AttachmentOut)
async def get_attachment(
    attachment_id: uuid.UUID, principal: Reader, session: TenantSession
) -> AttachmentOut:
    """One attachment's metadata."""
    return await service.get(session, principal, attachment_id)


@router.post("/attachments/{attachment_id}/confirm", response_model=AttachmentOut)
async def confirm_attachment(
    attachment_id: uuid.UUID, principal: Creator, session: TenantSession, runtime: RuntimeDep
) -> AttachmentOut:
    """Finish a presigned upload: the stored object is checked (size, type sniffed from its bytes)
    and the attachment becomes `ready`. A file that breaks a rule is deleted (413/415)."""
    return await service.confirm(session, runtime, principal, attachment_id)


@router.get(
    "/attachments/{attachment_id}/download",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {
                "application/octet-stream": {
                    "schema": {"type": "string", "format": "binary"},
                    "example": "%PDF-1.7 … (the file's bytes, as uploaded)",
                }
            },
            "description": "the file's bytes",
        }
    },
)
async def download_attachment(
    attachment_id: uuid.UUID, principal: Reader, session: TenantSession, runtime: RuntimeDep
) -> StreamingResponse:
    """Download a file, streamed, always as an attachment (never rendered inline)."""
    row = await service.ready(session, principal, attachment_id)
    chunks = await runtime.storage.open(row.storage_key)
    return StreamingResponse(
        chunks,
        media_type=row.content_type,
        headers={
            "Content-Disposition": content_disposition(row.file_name),
            "Content-Length": str(row.size),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/attachments/{attachment_id}/url", response_model=DownloadUrlOut)
async def attachment_download_url(
    attachment_id: uuid.UUID, principal: Reader, session: TenantSession, runtime: RuntimeDep
) -> DownloadUrlOut:
    """A short-lived presigned GET URL (S3 only; 400 `presign_not_supported` on local storage)."""
    row = await service.ready(session, principal, attachment_id)
    return await service.download_url(runtime, row)


@router.delete("/attachments/{attachment_id}", status_code=204)
async def delete_attachment(
    attachment_id: uuid.UUID, principal: Deleter, session: TenantSession, runtime: RuntimeDep
) -> Response:
    """Delete an attachment and its stored bytes."""
    await service.delete(session, runtime, principal, attachment_id)
    return Response(status_code=204)
