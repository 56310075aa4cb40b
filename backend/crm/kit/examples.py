"""Shared values for the OpenAPI examples, so that every schema's example tells one story: one
clinic network, one contact (Lucía Fernández at Clínica Dental Sonrisa), one deal, the same ids."""

from __future__ import annotations

from typing import Any, cast

from pydantic import BaseModel, ConfigDict

ORGANIZATION_ID = "6f1c2b8e-3d4a-4f5b-9c6d-7e8f9a0b1c2d"
USER_ID = "2b7e1f3c-8a9d-4e6f-b1c2-d3e4f5a6b7c8"
OTHER_USER_ID = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
TEAM_ID = "4a5b6c7d-8e9f-4a1b-9c2d-3e4f5a6b7c8d"
CONTACT_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
COMPANY_ID = "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"
LEAD_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
DEAL_ID = "e4d909c2-90d0-4b6e-8f4a-2a6b1c3d5e7f"
PIPELINE_ID = "a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"
STAGE_ID = "b1c2d3e4-f5a6-4b7c-9d8e-0f1a2b3c4d5e"
NEXT_STAGE_ID = "c2d3e4f5-a6b7-4c8d-8e9f-1a2b3c4d5e6f"
ACTIVITY_ID = "d3e4f5a6-b7c8-4d9e-9f0a-2b3c4d5e6f7a"
ATTACHMENT_ID = "e5f6a7b8-c9d0-4e1f-8a2b-3c4d5e6f7a8b"
TRANSCRIPT_ID = "f6a7b8c9-d0e1-4f2a-9b3c-4d5e6f7a8b9c"
IMPORT_ID = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"
JOB_ID = "1b2c3d4e-5f6a-4b7c-9d8e-9f0a1b2c3d4e"
SESSION_ID = "5e6f7a8b-9c0d-4e1f-8a2b-c3d4e5f6a7b8"
PROVIDER_ID = "8b9c0d1e-2f3a-4b4c-9d5e-6f7a8b9c0d1e"

CREATED_AT = "2026-03-02T09:15:00Z"
UPDATED_AT = "2026-03-05T16:40:00Z"
DATE = "2026-04-15"
CURSOR = "eyJ1cGRhdGVkX2F0IjoiMjAyNi0wMy0wNVQxNjo0MDowMFoifQ"

CONTACT_NAME = "Lucía Fernández"
CONTACT_EMAIL = "lucia.fernandez@example.com"
COMPANY_NAME = "Clínica Dental Sonrisa"


def example(*examples: dict[str, Any], **config: Any) -> ConfigDict:
    """A model config whose OpenAPI schema shows these examples (plus any other config)."""
    # ConfigDict is a TypedDict: keyword options arrive untyped, pydantic checks them at class creation.
    return cast(ConfigDict, {**config, "json_schema_extra": {"examples": list(examples)}})


def declared_examples(model: type[BaseModel]) -> list[Any]:
    """The examples a model declares, through ``example(...)`` or a schema hook (empty if none)."""
    extra = model.model_config.get("json_schema_extra")
    if callable(extra):
        schema: dict[str, Any] = {}
        extra(schema, model)  # type: ignore[call-arg]
        extra = schema
    examples = extra.get("examples") if isinstance(extra, dict) else None
    return list(examples) if isinstance(examples, list) else []


def list_example(item_model: type[BaseModel], **rest: Any) -> dict[str, Any]:
    """A list answer (``{"items": [...], ...}``) holding the item model's first example."""
    return {"items": declared_examples(item_model)[:1], **rest}
