"""Every model the service loads, in dependency order."""

from __future__ import annotations

from crm_ai.core.config import Settings
from crm_ai.core.models import ModelHub


def register_all(hub: ModelHub, settings: Settings) -> None:
    del hub, settings  # sentiment and scoring register here as they arrive
