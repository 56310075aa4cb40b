"""`crm keys …` end to end, on a database of its own (a master rotation touches every organisation)."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from sqlalchemy import select
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from crm.core.config import Settings, get_settings
from crm.core.db import DatabaseUrls, resolve_urls, unit_of_work
from crm.core.migrate import alembic_config
from crm.core.runtime import build_runtime
from crm.core.security.crypto import KeyStore, LocalKeyProvider, keystore_for, org_cipher
from crm.core.security.crypto_providers import read_master_key_file
from crm.core.worker import libpq_conninfo
from crm.keys import cli as keys_cli_module
from crm.keys.cli import keys_cli
from crm.models import JobRun, Organization
from tests.fixtures.database import test_settings as make_settings

DATABASE = "crm_test_keys_cli"
EMAIL = "cli.patient@example.org"


@pytest.fixture
def cli_settings(
    database_urls: DatabaseUrls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    owner = make_url(database_urls.owner)
    with psycopg.connect(
        libpq_conninfo(owner.set(database="postgres").render_as_string(hide_password=False)), autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    url = owner.set(database=DATABASE).render_as_string(hide_password=False)
    settings = make_settings(data_dir=tmp_path, database_url=url)
    command.upgrade(alembic_config(settings, resolve_urls(settings)), "heads")
    # What `crm` reads from the environment.
    monkeypatch.setenv("CRM_DATABASE_URL", url)
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CRM_ENVIRONMENT", "test")
    monkeypatch.delenv("CRM_MASTER_KEY", raising=False)
    monkeypatch.delenv("CRM_MASTER_KEY_FILE", raising=False)
    monkeypatch.setattr(keys_cli_module, "configure_logging", lambda level: None)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()
    with psycopg.connect(
        libpq_conninfo(owner.set(database="postgres").render_as_string(hide_password=False)), autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


async def _seed(settings: Settings) -> tuple[uuid.UUID, str, bytes]:
    runtime = build_runtime(settings)
    try:
        org = uuid.uuid4()
        slug = f"cli-{org.hex[:10]}"
        async with unit_of_work(runtime.sessions, org) as session:
            session.add(Organization(id=org, name="CLI Clinic", slug=slug))
            await session.flush()
            cipher = await org_cipher(session, keystore_for(settings), org)
            return org, slug, cipher.encrypt(EMAIL, "contacts", "email", org)
    finally:
        await runtime.close()


async def _decrypt_with(settings: Settings, keystore: KeyStore, org: uuid.UUID, value: bytes) -> str:
    runtime = build_runtime(settings)
    try:
        async with unit_of_work(runtime.sessions, org) as session:
            return (await org_cipher(session, keystore, org)).decrypt(value, "contacts", "email", org)
    finally:
        await runtime.close()


async def _rotation_runs(settings: Settings, org: uuid.UUID) -> list[JobRun]:
    runtime = build_runtime(settings)
    try:
        async with unit_of_work(runtime.sessions, org) as session:
            return list((await session.execute(select(JobRun))).scalars())
    finally:
        await runtime.close()


def test_keys_commands(cli_settings: Settings) -> None:
    runner = CliRunner()
    org, slug, value = asyncio.run(_seed(cli_settings))
    path = cli_settings.keys_dir / "master.key"

    # Master rotation: a new version in the keys file, every data key rewrapped under it.
    result = runner.invoke(keys_cli, ["rotate", "--master", "--generate"])
    assert result.exit_code == 0, result.output
    assert "rewrapped 2 keys of 1 organisations" in result.output
    keys, active = read_master_key_file(path)
    assert active == "2" and set(keys) == {"1", "2"}
    # Version 1 can now leave: the new key alone opens the old value.
    only_new = KeyStore(LocalKeyProvider({"2": keys["2"]}, "2", source="test"))
    assert asyncio.run(_decrypt_with(cli_settings, only_new, org, value)) == EMAIL

    status = runner.invoke(keys_cli, ["status", "--org", slug])
    assert status.exit_code == 0, status.output
    assert "version 2: wraps 2 keys of 1 organisations" in status.output
    assert "version 1:" not in status.output

    # Data key rotation: adds v2 (pending) and queues the job; a second start is refused.
    result = runner.invoke(keys_cli, ["rotate", "--org", slug])
    assert result.exit_code == 0, result.output
    assert "data key version 2 added" in result.output
    runs = asyncio.run(_rotation_runs(cli_settings, org))
    assert [(r.task_name, r.status) for r in runs] == [("keys.rotate_data_key", "queued")]
    assert runs[0].procrastinate_job_id is not None
    again = runner.invoke(keys_cli, ["rotate", "--org", str(org)])
    assert again.exit_code == 1 and "under way" in again.output
    resumed = runner.invoke(keys_cli, ["rotate", "--org", str(org), "--resume"])
    assert resumed.exit_code == 0 and "re-queued" in resumed.output
    status = runner.invoke(keys_cli, ["status", "--org", str(org)])
    assert "data v2: pending" in status.output and "last rotation" in status.output

    assert runner.invoke(keys_cli, ["rotate"]).exit_code == 1
    assert runner.invoke(keys_cli, ["rotate", "--org", "no-such-org"]).exit_code == 1
    printed = runner.invoke(keys_cli, ["generate-master", "--version", "3"])
    assert re.fullmatch(r"3:[A-Za-z0-9+/]{43}=\n", printed.output)
