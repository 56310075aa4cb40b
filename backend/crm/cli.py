"""The ``crm`` command: run everything, or one part of it, and admin tasks."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
from typing import Annotated

import typer
import uvicorn

from crm.audit.cli import audit_cli
from crm.core.config import REPO_ROOT, ConfigError, Settings, get_settings
from crm.core.db import resolve_urls, unit_of_work
from crm.core.runtime import Runtime, build_runtime, install_runtime
from crm.core.telemetry import configure_logging
from crm.keys.cli import keys_cli
from crm.search.cli import search_cli

cli = typer.Typer(no_args_is_help=True, add_completion=False, help="CliniGlobal CRM")
cli.add_typer(audit_cli, name="audit")
cli.add_typer(keys_cli, name="keys")
cli.add_typer(search_cli, name="search")


def _settings() -> Settings:
    try:
        settings = get_settings()
    except ConfigError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level)
    return settings


def _migrate(settings: Settings) -> None:
    from crm.core import migrate

    migrate.upgrade(settings, resolve_urls(settings))


@cli.command()
def config() -> None:
    """Print the effective settings, secrets masked."""
    typer.echo(json.dumps(_settings().masked(), indent=2, default=str))


@cli.command("migrate")
def migrate_command() -> None:
    """Apply database migrations (as the owner role)."""
    _migrate(_settings())
    typer.echo("database is up to date")


@cli.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo organisation and its users, unless it exists."""
    settings = _settings()
    _migrate(settings)
    asyncio.run(_seed(settings))


async def _seed(settings: Settings) -> bool:
    from crm.organization.demo import seed_demo

    runtime = build_runtime(settings)
    try:
        return await seed_demo(runtime.sessions, settings.demo_password.get_secret_value())
    finally:
        await runtime.close()


@cli.command("create-org")
def create_org(name: str, slug: Annotated[str | None, typer.Option()] = None) -> None:
    """Create an organisation."""
    from crm.organization.service import create_organization

    async def go(settings: Settings) -> str:
        runtime = build_runtime(settings)
        try:
            async with unit_of_work(runtime.sessions) as session:
                organization = await create_organization(session, name, slug)
                return f"{organization.id} {organization.slug}"
        finally:
            await runtime.close()

    typer.echo(asyncio.run(go(_settings())))


@cli.command("create-user")
def create_user(
    org: Annotated[str, typer.Option(help="organisation slug")],
    email: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    role: Annotated[str, typer.Option(help="admin, sales, marketing or support")] = "admin",
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
) -> None:
    """Add a user to an organisation."""
    from crm.core.db import set_tenant
    from crm.member.service import add_member
    from crm.models import Role
    from crm.organization import repository

    async def go(settings: Settings) -> str:
        runtime = build_runtime(settings)
        try:
            async with unit_of_work(runtime.sessions) as session:
                organization_id = await repository.id_by_slug(session, org)
                if organization_id is None:
                    raise typer.BadParameter(f"no organisation with slug '{org}'")
                await set_tenant(session, organization_id)
                user = await add_member(
                    session, email=email, full_name=name, role=Role(role), password=password
                )
                return str(user.id)
        finally:
            await runtime.close()

    typer.echo(asyncio.run(go(_settings())))


@cli.command()
def openapi() -> None:
    """Print the OpenAPI document (the web client is generated from it)."""
    from crm.app import create_app

    typer.echo(json.dumps(create_app(_settings()).openapi(), indent=2, sort_keys=True))


@cli.command()
def worker(concurrency: Annotated[int | None, typer.Option()] = None) -> None:
    """Run a standalone job worker (scale out with as many as needed)."""
    from crm.core.worker import run_worker

    settings = _settings()

    async def go() -> None:
        runtime = build_runtime(settings)
        install_runtime(runtime)
        try:
            await run_worker(
                runtime, concurrency=concurrency or settings.worker_concurrency, install_signal_handlers=True
            )
        finally:
            await runtime.close()

    asyncio.run(go())


@cli.command()
def api(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    workers: Annotated[int, typer.Option()] = 1,
) -> None:
    """Serve only the API (and the built web app); jobs need `crm worker` beside it."""
    _settings()
    uvicorn.run(
        "crm.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
    )


@cli.command()
def run(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    ai_port: Annotated[int, typer.Option()] = 8100,
    ai: Annotated[bool, typer.Option(help="also start the AI service")] = True,
) -> None:
    """Everything on one machine: migrate, seed the demo once, serve API + web + worker + AI service."""
    settings = _settings()
    if ai:
        # The backend calls the AI service where crm run starts it.
        settings = settings.model_copy(update={"ai_service_url": f"http://127.0.0.1:{ai_port}"})
    _migrate(settings)
    seeded = asyncio.run(_seed(settings))
    ai_process = _start_ai_service(settings, ai_port) if ai else None
    try:
        asyncio.run(_serve_all(settings, host, port, seeded))
    finally:
        if ai_process is not None:
            ai_process.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                ai_process.wait(10)
            if ai_process.poll() is None:
                ai_process.kill()


def _start_ai_service(settings: Settings, port: int) -> subprocess.Popen[bytes] | None:
    executable = REPO_ROOT / "ai" / ".venv" / "bin" / "crm-ai"
    if not executable.exists():
        typer.secho("AI service not installed (ai/.venv): AI features are off", fg=typer.colors.YELLOW)
        return None
    # The embedded run shares one dev key pair: the AI service verifies with the public half it
    # finds in its data folder, the backend signs service tokens with the private half.
    env = {**os.environ, "CRM_AI_DATA_DIR": str(settings.data_dir / "ai")}
    return subprocess.Popen(  # noqa: S603 - our own executable, fixed arguments
        [str(executable), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env
    )


async def _serve_all(settings: Settings, host: str, port: int, seeded: bool) -> None:
    from crm.app import create_app
    from crm.core.worker import run_worker

    runtime: Runtime = await asyncio.to_thread(build_runtime, settings)
    install_runtime(runtime)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, runtime),
            host=host,
            port=port,
            loop="none",
            http="httptools",
            log_config=None,
            access_log=False,
        )
    )
    worker_task = asyncio.create_task(
        run_worker(runtime, concurrency=settings.worker_concurrency, install_signal_handlers=False)
    )
    worker_task.add_done_callback(_report_worker_exit)
    _print_banner(settings, host, port, seeded)
    try:
        await server.serve()
    finally:
        worker_task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await worker_task
        await runtime.close()


def _report_worker_exit(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logging.getLogger("crm.worker").error("job worker stopped", exc_info=task.exception())


def _print_banner(settings: Settings, host: str, port: int, seeded: bool) -> None:
    from crm.organization.demo import demo_logins

    lines = [
        "",
        f"  CliniGlobal CRM is running at http://{host}:{port}",
        f"  demo organisation {'created' if seeded else 'kept from the last run'}; sign in as:",
    ]
    lines += [f"    {login.role.value:<10} {login.email}" for login in demo_logins()]
    default = Settings.model_fields["demo_password"].default.get_secret_value()
    custom = settings.demo_password.get_secret_value() != default
    lines += [
        "  password: " + ("the one you set in CRM_DEMO_PASSWORD" if custom else default),
        "  Ctrl-C stops everything.",
        "",
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
