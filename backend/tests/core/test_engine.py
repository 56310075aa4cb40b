"""The app's connections run in UTC whatever the server's default time zone."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from crm.core.db import DatabaseUrls, make_engine


async def test_sessions_run_in_utc_whatever_the_server_default(
    database_urls: DatabaseUrls, owner_engine: AsyncEngine
) -> None:
    name = make_url(database_urls.app).database
    async with owner_engine.connect() as owner:
        await (await owner.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql(
            f"ALTER DATABASE \"{name}\" SET timezone = 'Pacific/Kiritimati'"  # UTC+14
        )
    engine = make_engine(database_urls.app, pool_size=1)
    try:
        async with engine.connect() as connection:
            late_evening = "timestamptz '2026-01-01 23:30:00+00'"
            day = await connection.exec_driver_sql(f"SELECT date_trunc('day', {late_evening})::date")
            assert day.scalar_one() == dt.date(2026, 1, 1)  # 2 January already, in Kiritimati
            # psycopg is told "UTC": it builds datetimes with datetime.UTC, not through a ZoneInfo.
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None and driver.info.timezone is dt.UTC
            read = await connection.exec_driver_sql(f"SELECT {late_evening}")
            assert read.scalar_one().tzinfo is dt.UTC
    finally:
        await engine.dispose()
        async with owner_engine.connect() as owner:
            await (await owner.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql(
                f'ALTER DATABASE "{name}" RESET timezone'
            )
