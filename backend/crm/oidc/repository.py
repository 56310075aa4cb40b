"""SQL for identity providers, verified domains and linked identities (all under row-level security:
the transaction must be scoped to the organisation first)."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.models.oidc import OidcIdentity, OidcProvider, OrganizationDomain


async def add(session: AsyncSession, *rows: object) -> None:
    session.add_all(rows)
    await session.flush()


async def get_provider(session: AsyncSession, provider_id: uuid.UUID) -> OidcProvider | None:
    return await session.get(OidcProvider, provider_id)


async def list_providers(session: AsyncSession, *, enabled_only: bool = False) -> list[OidcProvider]:
    statement = select(OidcProvider).order_by(OidcProvider.name)
    if enabled_only:
        statement = statement.where(OidcProvider.enabled.is_(True))
    return list((await session.execute(statement)).scalars())


async def provider_name_taken(session: AsyncSession, name: str, except_id: uuid.UUID | None = None) -> bool:
    statement = select(OidcProvider.id).where(OidcProvider.name == name)
    if except_id is not None:
        statement = statement.where(OidcProvider.id != except_id)
    return (await session.execute(statement.limit(1))).first() is not None


async def delete_provider(session: AsyncSession, provider_id: uuid.UUID) -> bool:
    result = await session.execute(
        delete(OidcProvider).where(OidcProvider.id == provider_id).returning(OidcProvider.id)
    )
    return result.first() is not None


async def list_domains(session: AsyncSession) -> list[OrganizationDomain]:
    rows = await session.execute(select(OrganizationDomain).order_by(OrganizationDomain.domain))
    return list(rows.scalars())


async def get_domain(session: AsyncSession, domain_id: uuid.UUID) -> OrganizationDomain | None:
    return await session.get(OrganizationDomain, domain_id)


async def domain_exists(session: AsyncSession, domain: str) -> bool:
    statement = select(OrganizationDomain.id).where(OrganizationDomain.domain == domain).limit(1)
    return (await session.execute(statement)).first() is not None


async def domain_verified(session: AsyncSession, domain: str) -> bool:
    """Whether the current organisation has verified exactly this domain."""
    statement = (
        select(OrganizationDomain.id)
        .where(OrganizationDomain.domain == domain, OrganizationDomain.verified_at.is_not(None))
        .limit(1)
    )
    return (await session.execute(statement)).first() is not None


async def delete_domain(session: AsyncSession, domain_id: uuid.UUID) -> str | None:
    result = await session.execute(
        delete(OrganizationDomain)
        .where(OrganizationDomain.id == domain_id)
        .returning(OrganizationDomain.domain)
    )
    return result.scalar_one_or_none()


async def find_identity(session: AsyncSession, provider_id: uuid.UUID, subject: str) -> OidcIdentity | None:
    statement = select(OidcIdentity).where(
        OidcIdentity.provider_id == provider_id, OidcIdentity.subject == subject
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def identity_of_user(
    session: AsyncSession, provider_id: uuid.UUID, user_id: uuid.UUID
) -> OidcIdentity | None:
    statement = select(OidcIdentity).where(
        OidcIdentity.provider_id == provider_id, OidcIdentity.user_id == user_id
    )
    return (await session.execute(statement.limit(1))).scalar_one_or_none()


async def touch_identity(session: AsyncSession, identity_id: uuid.UUID) -> None:
    await session.execute(
        update(OidcIdentity).where(OidcIdentity.id == identity_id).values(last_used_at=text("now()"))
    )


async def unlink_user(session: AsyncSession, provider_id: uuid.UUID, user_id: uuid.UUID) -> int:
    result = await session.execute(
        delete(OidcIdentity)
        .where(OidcIdentity.provider_id == provider_id, OidcIdentity.user_id == user_id)
        .returning(OidcIdentity.id)
    )
    return len(result.all())
