"""/api/v1/imports (CSV imports) and /api/v1/exports, /api/v1/contacts/{id}/gdpr-export."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel

from crm.attachment.endpoints import MULTIPART_BODY
from crm.attachment.upload import check_length, file_part
from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.company.schemas import CompanyOut
from crm.contact.schemas import ContactOut
from crm.core.deps import RuntimeDep, tenant_unit_of_work
from crm.dataio import export, gdpr, preview, service
from crm.dataio.schemas import (
    ImportField,
    ImportObject,
    ImportOut,
    MappingIn,
    PreviewOut,
    RowErrorOut,
    RunIn,
)
from crm.deal.schemas import DealOut
from crm.kit.pagination import Page
from crm.lead.schemas import LeadOut

router = APIRouter(prefix="/imports", tags=["imports"])
exports_router = APIRouter(tags=["exports"])

Reader = Annotated[Principal, Depends(require_permission("imports", "read"))]
Creator = Annotated[Principal, Depends(require_permission("imports", "create"))]
Editor = Annotated[Principal, Depends(require_permission("imports", "update"))]
Deleter = Annotated[Principal, Depends(require_permission("imports", "delete"))]


@router.get("/fields", response_model=list[ImportField])
async def import_fields(
    principal: Reader, session: TenantSession, runtime: RuntimeDep, object_type: ImportObject = "contact"
) -> list[ImportField]:
    """The fields a column of a `contact` or `lead` import can be mapped to (standard ones, then the
    organisation's custom fields of that object)."""
    return await service.import_fields(session, runtime, principal, object_type)


@router.post(
    "",
    response_model=ImportOut,
    status_code=201,
    openapi_extra=MULTIPART_BODY,
    responses={
        413: {"description": "the file is larger than the import limit (64 MiB)"},
        415: {"description": "the file is not a CSV text file"},
    },
)
async def upload_import(
    request: Request,
    principal: Creator,
    session: TenantSession,
    runtime: RuntimeDep,
    object_type: ImportObject = "contact",
    encoding: Annotated[
        str,
        Query(description="auto (BOM, else UTF-8, else Windows-1252), utf-8, utf-16, windows-1252, latin-1"),
    ] = "auto",
) -> ImportOut:
    """Upload a CSV file (`multipart/form-data`, part `file`), streamed with a 64 MiB limit, to
    import as `object_type` (`contact` or `lead`; your role must be allowed to create those). The
    separator (`,` `;` tab `|`) and encoding are detected; the answer lists the columns with a
    suggested field for each (common HubSpot, Salesforce, Pipedrive, Outlook and Google headers
    are recognised, e.g. Lead Source, Lead Status, Company, Title for leads). Nothing is imported
    until you run it."""
    check_length(request, service.MAX_IMPORT_BYTES)
    part = await file_part(request)
    return await service.upload(session, runtime, principal, part, encoding=encoding, object_type=object_type)


@router.get("", response_model=Page[ImportOut])
async def list_imports(
    principal: Reader,
    session: TenantSession,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Page[ImportOut]:
    """Imports, newest first (yours; all of them for admins)."""
    return await service.list_imports(session, runtime, principal, limit=limit, cursor=cursor)


@router.get("/{import_id}", response_model=ImportOut)
async def get_import(
    import_id: uuid.UUID, principal: Reader, session: TenantSession, runtime: RuntimeDep
) -> ImportOut:
    """One import: its columns and mapping, status, counts and progress."""
    return await service.get(session, runtime, principal, import_id)


@router.put("/{import_id}/mapping", response_model=ImportOut)
async def set_import_mapping(
    import_id: uuid.UUID, body: MappingIn, principal: Editor, session: TenantSession, runtime: RuntimeDep
) -> ImportOut:
    """Choose the field of each column (and the duplicate policy) before running the import."""
    return await service.set_mapping(session, runtime, principal, import_id, body)


@router.get("/{import_id}/preview", response_model=PreviewOut)
async def preview_import(
    import_id: uuid.UUID,
    principal: Reader,
    session: TenantSession,
    runtime: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=service.PREVIEW_MAX)] = 20,
) -> PreviewOut:
    """The first rows as they would be imported: values, problems per row, and whether each would
    create a contact, update one or be skipped as a duplicate. Nothing is written."""
    return await preview.preview(session, runtime, principal, import_id, limit=limit)


@router.post("/{import_id}/run", response_model=ImportOut, status_code=202)
async def run_import(
    import_id: uuid.UUID,
    principal: Editor,
    session: TenantSession,
    runtime: RuntimeDep,
    body: RunIn | None = None,
) -> ImportOut:
    """Start the import as a background job (follow `progress`). A failed import resumes after the
    last row it saved. A row that fails is reported and never stops the others."""
    return await service.start(session, runtime, principal, import_id, body or RunIn())


@router.post("/{import_id}/cancel", response_model=ImportOut)
async def cancel_import(
    import_id: uuid.UUID, principal: Editor, session: TenantSession, runtime: RuntimeDep
) -> ImportOut:
    """Stop an import: at once if it has not started, else after the batch being written (the rows
    already imported stay, findable by their `import_id`)."""
    return await service.cancel(session, runtime, principal, import_id)


@router.get("/{import_id}/errors", response_model=Page[RowErrorOut])
async def import_errors(
    import_id: uuid.UUID,
    principal: Reader,
    session: TenantSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[RowErrorOut]:
    """The rows that could not be imported, by line number, with why."""
    return await service.row_errors(session, principal, import_id, limit=limit, cursor=cursor)


@router.get(
    "/{import_id}/errors.csv",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {"example": 'row,error\r\n3,"email: not an e-mail address"\r\n'}},
            "description": "row, error",
        }
    },
)
async def import_errors_csv(
    import_id: uuid.UUID, principal: Reader, session: TenantSession, runtime: RuntimeDep
) -> StreamingResponse:
    """The error report as CSV."""
    await service.row_errors(session, principal, import_id, limit=1, cursor=None)  # 404 before streaming

    async def rows() -> AsyncIterator[str]:
        async with tenant_unit_of_work(runtime, principal.organization_id, principal.user_id) as reader:
            async for chunk in service.errors_csv(reader, import_id):
                yield chunk

    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-errors.csv"'},
    )


@router.delete("/{import_id}", status_code=204)
async def delete_import(
    import_id: uuid.UUID, principal: Deleter, session: TenantSession, runtime: RuntimeDep
) -> Response:
    """Forget an import, its file and its error report (the contacts it created stay)."""
    await service.delete(session, runtime, principal, import_id)
    return Response(status_code=204)


# --- exports ------------------------------------------------------------------------------

EXPORT_DOC = """Export the {plural} matching the list filters as CSV, streamed (no size limit).

Takes the same query parameters as `GET /{plural}` (filters, `q`, `sort`), or a saved view with
`view_id` (explicit parameters win), and `columns=a,b,cf.key` to choose and order the columns
(default: all, custom fields last). Values that a spreadsheet would run as a formula (starting
with `=`, `+`, `-` or `@`) are prefixed with `'`. The export is recorded in the audit trail."""


def _csv_response(chunks: AsyncIterator[str], name: str) -> StreamingResponse:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"'},
    )


DEAL_EXPORT_DOC = (
    " `contact_id=<id>` keeps the deals linked to that person; `contact_ids` lists each deal's"
    " contacts. Amounts are left out for roles that may not see them (asking for them is a 403)."
)


def _export_endpoint(spec: export.ExportSpec, out_model: type[BaseModel], extra_doc: str = "") -> None:
    """``GET /exports/<resource>``: one per exportable list, alike but for the spec and permission."""

    async def endpoint(
        request: Request,
        session: TenantSession,
        runtime: RuntimeDep,
        q: Annotated[str | None, Query(max_length=200)] = None,
        columns: Annotated[str | None, Query(max_length=2000)] = None,
        view_id: uuid.UUID | None = None,
        principal: Principal = Depends(require_permission(spec.resource, "export")),
    ) -> StreamingResponse:
        plan = await export.prepare(
            session,
            runtime,
            principal,
            spec,
            query=list(request.query_params.multi_items()),
            q=q,
            columns=columns,
            view_id=view_id,
        )
        return _csv_response(export.stream(runtime, principal, plan), spec.resource)

    endpoint.__name__ = f"export_{spec.resource}"  # the OpenAPI operation id stays as it was
    exports_router.get(
        f"/exports/{spec.resource}",
        response_class=StreamingResponse,
        description=EXPORT_DOC.format(plural=spec.resource) + extra_doc,
        responses={
            200: {
                "content": {"text/csv": {"example": export.example_csv(spec, out_model)}},
                "description": f"the {spec.resource} as CSV",
            }
        },
    )(endpoint)


_export_endpoint(export.CONTACTS, ContactOut)
_export_endpoint(export.COMPANIES, CompanyOut)
_export_endpoint(export.LEADS, LeadOut)
_export_endpoint(export.DEALS, DealOut, DEAL_EXPORT_DOC)


@exports_router.get("/contacts/{contact_id}/gdpr-export", response_model=gdpr.GdprExport)
async def gdpr_export_contact(
    contact_id: uuid.UUID,
    principal: Annotated[Principal, Depends(require_permission("gdpr", "export"))],
    session: TenantSession,
    runtime: RuntimeDep,
) -> JSONResponse:
    """Everything held on one person, as JSON (GDPR access / portability): the contact with its
    personal data decrypted and custom fields, activities, linked deals and converted leads,
    attachment metadata, and the audit trail about them. Deleted (trashed) contacts included;
    the export itself is audited."""
    result = await gdpr.gdpr_export(session, runtime, principal, contact_id)
    return JSONResponse(
        result.model_dump(mode="json"),
        headers={"Content-Disposition": f'attachment; filename="contact-{contact_id}.json"'},
    )
