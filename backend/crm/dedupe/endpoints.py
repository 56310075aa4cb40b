"""/api/v1/duplicates (suggestions, runs) and the merges /api/v1/contacts/merge, /api/v1/companies/merge."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from crm.auth.dependencies import TenantSession, require_permission
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.dedupe import merge, service
from crm.dedupe.schemas import (
    CompanyMergeOut,
    ContactMergeOut,
    MergeRequest,
    ObjectType,
    RunOut,
    RunRequest,
    SuggestionOut,
    SuggestionStatus,
)
from crm.kit.pagination import Page, check_limit

router = APIRouter(tags=["duplicates"])

Reader = Annotated[Principal, Depends(require_permission("duplicates", "read"))]
Merger = Annotated[Principal, Depends(require_permission("duplicates", "update"))]


@router.get("/duplicates", response_model=Page[SuggestionOut])
async def list_duplicates(
    session: TenantSession,
    principal: Reader,
    object_type: ObjectType = "contact",
    status: SuggestionStatus = "open",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: str | None = None,
) -> Page[SuggestionOut]:
    """Possible duplicates found by the last run, most likely first (keyset pages: `limit`, `cursor`).

    Contacts are matched on name (typos, nicknames, swapped first/last names, compound surnames)
    with company and date of birth as supporting evidence; companies on their name without legal
    forms and on their web domain. `score` is 0-1; `reason` says what agreed. `status=dismissed`
    lists what admins marked as not duplicates, `status=merged` past merges (record_a kept)."""
    return await service.list_suggestions(
        session, principal, object_type=object_type, status=status, limit=check_limit(limit), cursor=cursor
    )


@router.post(
    "/duplicates/run",
    response_model=RunOut,
    status_code=202,
    responses={409: {"description": "a run is queued"}},
)
async def run_duplicates(session: TenantSession, principal: Merger, body: RunRequest | None = None) -> RunOut:
    """Queue a new search for duplicates; poll the returned job for progress."""
    types = sorted(set((body or RunRequest()).object_types))
    run = await service.request_run(session, principal, types)
    return RunOut(job_run_id=run.id, object_types=types)


@router.post("/duplicates/{suggestion_id}/dismiss", response_model=SuggestionOut)
async def dismiss_duplicate(
    suggestion_id: uuid.UUID, session: TenantSession, principal: Merger
) -> SuggestionOut:
    """Not a duplicate: hide the suggestion now and from later runs."""
    return await service.dismiss(session, principal, suggestion_id)


@router.post(
    "/contacts/merge",
    response_model=ContactMergeOut,
    responses={
        404: {"description": "either contact is unknown, deleted or out of reach"},
        412: {"description": "stale version"},
    },
)
async def merge_contacts(
    body: MergeRequest, session: TenantSession, runtime: RuntimeDep, principal: Merger
) -> ContactMergeOut:
    """Fold `duplicate_id` into `primary_id`: chosen fields (PII re-encrypted for the primary),
    e-mails and phones with their exact-search indexes, custom fields, activities, deal links and
    converted leads move to the primary; the duplicate goes to the trash marked merged. One
    transaction, one audit event with the choices."""
    return await merge.merge_contacts(session, runtime, principal, body)


@router.post(
    "/companies/merge",
    response_model=CompanyMergeOut,
    responses={
        404: {"description": "either company is unknown, deleted or out of reach"},
        412: {"description": "stale version"},
    },
)
async def merge_companies(
    body: MergeRequest, session: TenantSession, runtime: RuntimeDep, principal: Merger
) -> CompanyMergeOut:
    """Fold `duplicate_id` into `primary_id`: chosen fields and custom fields, and the duplicate's
    contacts, deals, activities and converted leads move to the primary; the duplicate goes to
    the trash marked merged. One transaction, one audit event with the choices."""
    return await merge.merge_companies(session, runtime, principal, body)
