"""Merging records that were created in the merging transaction itself."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth.permissions import DEFAULTS
from crm.auth.principal import ActorType, Principal
from crm.company import service as companies
from crm.company.schemas import CompanyCreate
from crm.contact import service as contacts
from crm.contact.schemas import ContactCreate
from crm.core.runtime import Runtime
from crm.dedupe import merge
from crm.dedupe.schemas import MergeRequest
from crm.models import Role


def _admin(org_id: uuid.UUID) -> Principal:
    return Principal(
        actor_type=ActorType.service,
        organization_id=org_id,
        user_id=None,
        role=Role.admin,
        permissions=DEFAULTS[Role.admin],
    )


async def test_contacts_created_in_the_same_transaction_merge(
    db: AsyncSession, runtime: Runtime, org: uuid.UUID
) -> None:
    admin = _admin(org)
    first = await contacts.create(db, runtime, admin, ContactCreate(first_name="Ana", last_name="Silva"))
    second = await contacts.create(db, runtime, admin, ContactCreate(first_name="Ana", last_name="Silva"))
    out = await merge.merge_contacts(
        db, runtime, admin, MergeRequest(primary_id=first.id, duplicate_id=second.id)
    )
    assert out.contact.version == first.version + 1


async def test_companies_created_in_the_same_transaction_merge(
    db: AsyncSession, runtime: Runtime, org: uuid.UUID
) -> None:
    admin = _admin(org)
    first = await companies.create(db, runtime, admin, CompanyCreate(name="Atlas"))
    second = await companies.create(db, runtime, admin, CompanyCreate(name="Atlas S.L."))
    out = await merge.merge_companies(
        db, runtime, admin, MergeRequest(primary_id=first.id, duplicate_id=second.id)
    )
    assert out.company.version == first.version + 1
