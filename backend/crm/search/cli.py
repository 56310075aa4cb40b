"""``crm search``: backfill an organisation's search vectors (existing data, a model change)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

import typer

from crm.ai.client import AIUnavailable, close_clients
from crm.core.config import ConfigError, Settings, get_settings
from crm.core.db import unit_of_work
from crm.core.runtime import Runtime, build_runtime
from crm.core.telemetry import configure_logging
from crm.search import indexer, repository, tasks

search_cli = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Semantic search: the vector index."
)


def _settings() -> Settings:
    try:
        settings = get_settings()
    except ConfigError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level)
    return settings


async def _organization_id(runtime: Runtime, org: str) -> uuid.UUID:
    from crm.organization.repository import id_by_slug

    try:
        return uuid.UUID(org)
    except ValueError:
        pass
    async with unit_of_work(runtime.sessions) as session:
        found = await id_by_slug(session, org)
    if found is None:
        typer.secho(f"no organisation with slug or id '{org}'", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    return found


async def _reindex(settings: Settings, org: str, background: bool) -> None:
    runtime = build_runtime(settings)
    try:
        organization_id = await _organization_id(runtime, org)
        if background:
            async with unit_of_work(runtime.sessions, organization_id) as session:
                job = await tasks.request_reindex(session, organization_id)
            typer.echo("reindex queued" if job else "a reindex is already waiting")
            return
        async with unit_of_work(runtime.sessions, organization_id) as session:
            queued = await repository.queue_everything(session)
        typer.echo(f"{queued} records queued; embedding (unchanged texts are skipped)…")
        try:
            done = await indexer.drain(runtime.sessions, settings, organization_id)
        except AIUnavailable as exc:
            typer.secho(f"stopped: {exc.detail}; the rest stays queued", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None
        typer.echo(f"{done} records indexed")
    finally:
        await close_clients()
        await runtime.close()


@search_cli.command("reindex")
def reindex(
    org: Annotated[str, typer.Option(help="organisation id or slug")],
    background: Annotated[bool, typer.Option(help="queue a job for the worker instead")] = False,
) -> None:
    """Embed every live contact, company, deal and activity of the organisation now (needs the AI
    service); only records whose text changed since their last embedding call the model."""
    asyncio.run(_reindex(_settings(), org, background))
