"""Run Alembic programmatically, as the owner role."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from crm.core.config import Settings
from crm.core.db import DatabaseUrls

BACKEND_DIR = Path(__file__).resolve().parents[2]


def alembic_config(settings: Settings, urls: DatabaseUrls) -> Config:
    config = Config(str(BACKEND_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(BACKEND_DIR / "migrations"))
    config.attributes["owner_url"] = urls.owner
    config.attributes["settings"] = settings
    config.attributes["skip_logging_config"] = True
    return config


def upgrade(settings: Settings, urls: DatabaseUrls) -> None:
    command.upgrade(alembic_config(settings, urls), "head")
