"""An organisation's e-mail domains: claimed by an admin, proven by a DNS TXT record (dns_txt.py).

Only a verified domain lets an identity provider link accounts by e-mail or create members.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit.service import record_event
from crm.auth.principal import Principal
from crm.core.errors import Conflict, NotFound
from crm.models.oidc import OrganizationDomain
from crm.oidc import dns_txt, repository
from crm.oidc.schemas import DomainCreate, DomainOut

log = logging.getLogger(__name__)


def domain_out(row: OrganizationDomain) -> DomainOut:
    return DomainOut(
        id=row.id,
        domain=row.domain,
        verified=row.verified_at is not None,
        verified_at=row.verified_at,
        last_checked_at=row.last_checked_at,
        txt_record_name=dns_txt.record_name(row.domain),
        txt_record_value=dns_txt.record_value(row.verification_token),
        created_at=row.created_at,
    )


async def add(session: AsyncSession, principal: Principal, body: DomainCreate) -> OrganizationDomain:
    domain = dns_txt.normalize_domain(body.domain)
    if await repository.domain_exists(session, domain):
        raise Conflict("this domain is already listed", code="domain_exists")
    row = OrganizationDomain(
        id=uuid.uuid4(),
        organization_id=principal.organization_id,
        domain=domain,
        verification_token=dns_txt.new_token(),
        created_by=principal.user_id,
    )
    await repository.add(session, row)
    await session.refresh(row)
    await record_event(
        session,
        action="organization_domain.create",
        actor=principal,
        entity_type="organization_domain",
        entity_id=row.id,
        changes={"domain": (None, domain)},
    )
    return row


async def verify(
    session: AsyncSession, principal: Principal, domain_id: uuid.UUID, resolver: dns_txt.TxtResolver
) -> OrganizationDomain:
    row = await repository.get_domain(session, domain_id)
    if row is None:
        raise NotFound("no such domain")
    if row.verified_at is not None:
        return row
    now = dt.datetime.now(dt.UTC)
    row.last_checked_at = now
    try:
        verified = await dns_txt.is_verified(resolver, row.domain, row.verification_token)
    except dns_txt.DnsError as exc:
        log.info("domain verification look-up failed", extra={"reason": str(exc)})
        verified = False
    if verified:
        row.verified_at = now
    await session.flush()
    await record_event(
        session,
        action="organization_domain.verify" if verified else "organization_domain.verify_failed",
        actor=principal,
        entity_type="organization_domain",
        entity_id=row.id,
        meta={"domain": row.domain},
    )
    return row


async def delete(session: AsyncSession, principal: Principal, domain_id: uuid.UUID) -> None:
    """Stop trusting a domain: no new links or members from it (existing links stay until unlinked)."""
    domain = await repository.delete_domain(session, domain_id)
    if domain is None:
        raise NotFound("no such domain")
    await record_event(
        session,
        action="organization_domain.delete",
        actor=principal,
        entity_type="organization_domain",
        entity_id=domain_id,
        meta={"domain": domain},
    )
