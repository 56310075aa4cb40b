"""``crm keys``: inspect keys, rotate the master key (rewrap) or an organisation's data key (job)."""

from __future__ import annotations

import asyncio
import base64
import uuid
from typing import Annotated

import typer
from sqlalchemy import select

from crm.core.config import ConfigError, Settings, get_settings
from crm.core.db import make_engine, make_sessionmaker, set_tenant, unit_of_work
from crm.core.runtime import Runtime, build_runtime
from crm.core.security.crypto import (
    CryptoError,
    KeyStore,
    LocalKeyProvider,
    keystore_for,
)
from crm.core.security.crypto_providers import new_master_key, read_master_key_file, write_master_key_file
from crm.core.telemetry import configure_logging
from crm.keys import repository
from crm.keys.rotation import (
    latest_rotation,
    master_key_usage,
    registered_columns,
    reseal_global,
    rewrap_master,
    unfinished_rotation,
)
from crm.keys.tasks import enqueue_rotation, start_rotation
from crm.models.keys import OrganizationKey

keys_cli = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Encryption keys: status and rotation."
)


def _settings() -> Settings:
    try:
        settings = get_settings()
    except ConfigError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level)
    return settings


def _fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(1)


async def _organization_id(runtime: Runtime, org: str) -> uuid.UUID:
    from crm.organization.repository import id_by_slug

    try:
        return uuid.UUID(org)
    except ValueError:
        pass
    async with unit_of_work(runtime.sessions) as session:
        found = await id_by_slug(session, org)
    if found is None:
        raise _fail(f"no organisation with slug or id '{org}'")
    return found


def _keystore(settings: Settings) -> KeyStore:
    try:
        return keystore_for(settings)
    except ConfigError as exc:
        raise _fail(str(exc)) from None


@keys_cli.command("generate-master")
def generate_master(version: Annotated[int, typer.Option(min=1, help="the new version number")]) -> None:
    """Print a new master key entry '<version>:<base64>' for CRM_MASTER_KEY or a keys file.

    Put it first (it becomes active), keep the old entries after it, deploy, then run
    `crm keys rotate --master`.
    """
    typer.echo(f"{version}:{base64.b64encode(new_master_key()).decode()}")


@keys_cli.command()
def rotate(
    master: Annotated[
        bool, typer.Option("--master", help="rewrap every data key with the active master key")
    ] = False,
    generate: Annotated[
        bool,
        typer.Option("--generate", help="with --master: first add a new active version to the keys file"),
    ] = False,
    org: Annotated[str | None, typer.Option(help="organisation slug or id: rotate its data key")] = None,
    resume: Annotated[bool, typer.Option(help="with --org: re-queue an unfinished rotation")] = False,
) -> None:
    """Rotate the master key (rewrap, immediate) or an organisation's data key (background job)."""
    if master == (org is not None):
        raise _fail("give exactly one of --master or --org")
    settings = _settings()
    keystore = _keystore(settings)
    if master:
        if generate:
            _add_master_version(keystore)
        asyncio.run(_rotate_master(settings, keystore))
    else:
        assert org is not None
        asyncio.run(_rotate_org(settings, keystore, org, resume))


def _add_master_version(keystore: KeyStore) -> None:
    provider = keystore.provider
    if not isinstance(provider, LocalKeyProvider) or provider.path is None:
        raise _fail(
            "the master keys come from CRM_MASTER_KEY: add a new first entry there "
            "(`crm keys generate-master --version N`), deploy it, then run `crm keys rotate --master`"
        )
    keys, _ = read_master_key_file(provider.path)
    version = str(max(int(key_id) for key_id in keys) + 1)
    keys[version] = new_master_key()
    write_master_key_file(provider.path, keys, version)
    provider.refresh()
    typer.echo(f"master key version {version} added to {provider.path} and made active")


async def _rotate_master(settings: Settings, keystore: KeyStore) -> None:
    runtime = build_runtime(settings)
    owner = make_engine(runtime.urls.owner, pool_size=1)
    try:
        report = await rewrap_master(runtime.sessions, keystore)
        async with make_sessionmaker(owner)() as session, session.begin():
            sealed = await reseal_global(session, keystore)
    except CryptoError as exc:
        raise _fail(f"nothing was changed: {exc}") from None
    finally:
        await owner.dispose()
        await runtime.close()
    active = keystore.provider.active_key_id
    typer.echo(
        f"rewrapped {report.keys} keys of {report.organizations} organisations and resealed "
        f"{sealed.resealed} global secrets under master key version {active}"
    )
    for name in sealed.unreadable:
        typer.secho(f"  could not open {name} (left unchanged)", fg=typer.colors.YELLOW)
    typer.echo("older versions can leave the key source once `crm keys status` shows nothing uses them")


async def _rotate_org(settings: Settings, keystore: KeyStore, org: str, resume: bool) -> None:
    runtime = build_runtime(settings)
    try:
        organization_id = await _organization_id(runtime, org)
        async with unit_of_work(runtime.sessions, organization_id) as session:
            if resume:
                run = await unfinished_rotation(session)
                if run is None:
                    raise _fail("this organisation has no unfinished data key rotation")
                await enqueue_rotation(session, organization_id, run.id)
                typer.echo(f"rotation {run.id} re-queued")
                return
            try:
                version, run = await start_rotation(session, keystore, organization_id)
            except CryptoError as exc:
                raise _fail(f"{exc} (crm keys rotate --org {org} --resume)") from None
    finally:
        await runtime.close()
    typer.echo(
        f"data key version {version} added; job run {run.id} re-encrypts the data in the background "
        f"(progress: crm keys status --org {org})"
    )


@keys_cli.command()
def status(org: Annotated[str | None, typer.Option(help="organisation slug or id")] = None) -> None:
    """Master key versions and what still uses each; with --org, that organisation's keys and rotation."""
    settings = _settings()
    asyncio.run(_status(settings, _keystore(settings), org))


async def _status(settings: Settings, keystore: KeyStore, org: str | None) -> None:
    runtime = build_runtime(settings)
    owner = make_engine(runtime.urls.owner, pool_size=1)
    try:
        provider = keystore.provider
        typer.echo(f"master keys: {provider!r}")
        async with unit_of_work(runtime.sessions) as session:
            for key_id, (organizations, keys) in (await master_key_usage(session)).items():
                typer.echo(f"  version {key_id}: wraps {keys} keys of {organizations} organisations")
        encrypted, sealed = registered_columns()
        if sealed:
            async with make_sessionmaker(owner)() as session, session.begin():
                for spec in sealed:
                    usage = await repository.sealed_usage(session, spec)
                    typer.echo(
                        f"  {spec.table}.{spec.column}: "
                        + (
                            ", ".join(
                                f"{count} sealed with version {key_id}"
                                for key_id, count in sorted(usage.items())
                            )
                            or "empty"
                        )
                    )
        typer.echo(
            "encrypted columns: "
            + (", ".join(f"{spec.table}.{spec.column}" for spec in encrypted) or "none registered")
        )
        if org is not None:
            organization_id = await _organization_id(runtime, org)
            async with unit_of_work(runtime.sessions, organization_id) as session:
                await set_tenant(session, organization_id)
                rows = (
                    await session.execute(
                        select(OrganizationKey).order_by(OrganizationKey.purpose, OrganizationKey.version)
                    )
                ).scalars()
                for row in rows:
                    typer.echo(
                        f"  {row.purpose} v{row.version}: {row.state}, wrapped by master {row.master_key_id}"
                    )
                run = await latest_rotation(session)
                if run is not None:
                    typer.echo(
                        f"  last rotation {run.id}: {run.status}, {run.done}/{run.total or '?'}"
                        + (f" — {run.message}" if run.message else "")
                    )
    finally:
        await owner.dispose()
        await runtime.close()
