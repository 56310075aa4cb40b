"""Running Procrastinate workers: in-process beside the API (``crm run``) or standalone (``crm worker``)."""

from __future__ import annotations

import importlib
import logging

from sqlalchemy.engine import make_url

from crm.core import jobs
from crm.core.runtime import Runtime

log = logging.getLogger(__name__)


def libpq_conninfo(sqlalchemy_url: str) -> str:
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def run_worker(runtime: Runtime, *, concurrency: int, install_signal_handlers: bool) -> None:
    """Process jobs until cancelled (or, standalone, until SIGINT/SIGTERM)."""
    for module in jobs.TASK_MODULES:
        importlib.import_module(module)
    connector = jobs.worker_connector(libpq_conninfo(runtime.urls.app), max_size=concurrency + 2)
    with jobs.app.replace_connector(connector) as app:
        async with app.open_async():
            log.info("job worker started", extra={"concurrency": concurrency})
            await app.run_worker_async(
                concurrency=concurrency,
                install_signal_handlers=install_signal_handlers,
                name="crm-worker",
            )
