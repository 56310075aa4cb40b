from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from crm.kit.examples import example


class Health(BaseModel):
    model_config = example({"status": "ok"})
    status: Literal["ok"]


class Readiness(BaseModel):
    model_config = example(
        {"status": "ready", "checks": {"database": "ok", "jobs": "ok (2 workers)", "cache": "ok"}}
    )
    status: Literal["ready", "not_ready"]
    checks: dict[str, str]
