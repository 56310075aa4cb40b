"""``crm audit …``: seal the chains now, or verify them as the database owner."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from crm.audit import chain, repository
from crm.core.config import ConfigError, Settings, get_settings
from crm.core.db import DatabaseUrls, make_engine, resolve_urls, set_tenant
from crm.core.runtime import build_runtime
from crm.core.telemetry import configure_logging

audit_cli = typer.Typer(no_args_is_help=True, add_completion=False, help="Audit trail: seal and verify.")

OrgOption = Annotated[str | None, typer.Option("--org", help="organisation slug (default: all)")]


def _settings() -> Settings:
    try:
        settings = get_settings()
    except ConfigError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level)
    return settings


class UnknownOrganization(LookupError):
    pass


async def verify(urls: DatabaseUrls, slug: str | None) -> list[tuple[str, chain.ChainReport]]:
    """Verify each organisation's chain (or the one named) as the owner, each on one snapshot."""
    engine = make_engine(urls.owner, pool_size=1)
    try:
        async with engine.connect() as conn:
            organizations = await repository.organizations(AsyncSession(conn), slug)
            await conn.rollback()
        if slug is not None and not organizations:
            raise UnknownOrganization(slug)
        reports = []
        for organization_id, org_slug in organizations:
            async with engine.connect() as conn:
                await conn.execution_options(isolation_level="REPEATABLE READ")
                async with conn.begin():
                    session = AsyncSession(conn)
                    # The owner may be subject to RLS too (a non-superuser owner of FORCE'd tables).
                    await set_tenant(session, organization_id)
                    reports.append((org_slug, await chain.verify_organization(session, organization_id)))
        return reports
    finally:
        await engine.dispose()


async def seal(settings: Settings, urls: DatabaseUrls, slug: str | None) -> dict[str, int]:
    """Seal now as the app role, as the job does (for one organisation, or all with new events)."""
    runtime = build_runtime(settings, urls)
    try:
        if slug is None:
            counts = await chain.seal_all(runtime.sessions)
            return {str(organization_id): count for organization_id, count in counts.items()}
        owner = make_engine(urls.owner, pool_size=1)
        try:
            async with owner.connect() as conn:
                found = await repository.organizations(AsyncSession(conn), slug)
                await conn.rollback()
        finally:
            await owner.dispose()
        if not found:
            raise UnknownOrganization(slug)
        return {slug: await chain.seal_organization(runtime.sessions, found[0][0])}
    finally:
        await runtime.close()


@audit_cli.command("verify")
def verify_command(
    org: OrgOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per organisation")] = False,
) -> None:
    """Recompute the hash chains and report any changed, removed or inserted event (exit 1 if any)."""
    settings = _settings()
    try:
        reports = asyncio.run(verify(resolve_urls(settings), org))
    except UnknownOrganization:
        typer.secho(f"no organisation with slug '{org}'", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    for slug, report in reports:
        if as_json:
            typer.echo(json.dumps({"slug": slug, **report.as_dict()}))
            continue
        status = "ok" if report.ok else f"TAMPERED ({len(report.problems)} problem(s))"
        typer.echo(
            f"{slug}: {status}; {report.sealed_events} events in {report.seals} seals,"
            f" {report.pending_events} awaiting a seal; head {report.head or '-'}"
        )
        for problem in report.problems:
            typer.echo(f"  {problem.kind}: {problem.detail}")
    if any(not report.ok for _, report in reports):
        raise typer.Exit(1)


@audit_cli.command("seal")
def seal_command(org: OrgOption = None) -> None:
    """Seal committed events now instead of waiting for the minute job."""
    settings = _settings()
    try:
        counts = asyncio.run(seal(settings, resolve_urls(settings), org))
    except UnknownOrganization:
        typer.secho(f"no organisation with slug '{org}'", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    typer.echo(f"sealed {sum(counts.values())} event(s) in {len(counts)} organisation(s)")
