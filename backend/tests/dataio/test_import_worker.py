"""The import runs as a real Procrastinate job, in the worker, with committed transactions."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from crm.core import jobs
from crm.core.config import Settings
from crm.core.db import DatabaseUrls, unit_of_work
from crm.core.runtime import Runtime, build_runtime, install_runtime
from crm.dataio import importer
from crm.dataio.tasks import QUEUE, run_import_job
from crm.models import Contact, ImportRun, JobRun, Organization
from tests.fixtures.worker import drain


@pytest.fixture
async def live_runtime(settings: Settings, database_urls: DatabaseUrls) -> AsyncIterator[Runtime]:
    runtime = build_runtime(settings, database_urls)
    install_runtime(runtime)
    yield runtime
    install_runtime(None)
    await runtime.close()


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def test_import_job_runs_in_the_worker(live_runtime: Runtime) -> None:
    org_id, import_id = uuid.uuid4(), uuid.uuid4()
    key = importer.source_key(org_id, import_id, "utf-8")
    csv = b"First Name,Email\nAda,ada@example.org\nGrace,grace@example.org\nBroken,broken@\n"
    await live_runtime.storage.put(key, _chunks(csv), "text/csv")
    async with unit_of_work(live_runtime.sessions, org_id) as session:
        session.add(Organization(id=org_id, name="Import Clinic", slug=f"import-{org_id.hex[:12]}"))
        await session.flush()
        run = ImportRun(
            id=import_id,
            object_type="contact",
            file_name="contacts.csv",
            storage_key=key,
            mapping={"First Name": "first_name", "Email": "email"},
            status="queued",
        )
        session.add(run)
        await session.flush()
        job = await jobs.start_tracked(
            session, run_import_job, organization_id=str(org_id), import_id=str(import_id), update_scope="all"
        )
        run.job_run_id = job.id

    await drain(live_runtime, [QUEUE])

    async with unit_of_work(live_runtime.sessions, org_id) as session:
        finished = (await session.execute(select(ImportRun).where(ImportRun.id == import_id))).scalar_one()
        assert (finished.status, finished.created_count, finished.failed_count) == ("completed", 2, 1)
        progress = (await session.execute(select(JobRun).where(JobRun.id == job.id))).scalar_one()
        assert (progress.status, progress.done, progress.total) == ("succeeded", 3, 3)
        imported = await session.execute(select(func.count()).where(Contact.import_id == import_id))
        assert imported.scalar_one() == 2
    assert not await live_runtime.storage.exists(key)  # the file went with the end of the import
