"""Import and export bodies."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DuplicatePolicy = Literal["skip", "update", "create"]
ImportObject = Literal["contact", "lead"]
POLICY_DOC = (
    "what to do with a row whose e-mail or phone already belongs to a record of the import's type"
    " (or to an earlier row): `skip` it, `update` that record (values given win, a contact's"
    " e-mails/phones and any tags add up), or `create` anyway"
)


class ImportColumn(BaseModel):
    header: str
    target: str | None = Field(description="the field this column fills; null: not imported")


class Progress(BaseModel):
    done: int
    total: int | None


class ImportOut(BaseModel):
    id: uuid.UUID
    object_type: str
    file_name: str
    status: Literal["uploaded", "queued", "running", "cancelling", "cancelled", "completed", "failed"]
    duplicate_policy: DuplicatePolicy
    columns: list[ImportColumn]
    total_rows: int | None
    created: int
    updated: int
    skipped: int
    failed: int
    progress: Progress | None
    job_run_id: uuid.UUID | None
    created_by: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime


class MappingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mapping: dict[str, str | None] = Field(
        max_length=500,
        description="column header -> field (see `GET /imports/fields`); null or absent: not imported",
        examples=[{"First Name": "first_name", "E-mail Address": "email", "Notes": None}],
    )
    duplicate_policy: DuplicatePolicy | None = Field(default=None, description=POLICY_DOC)


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    duplicate_policy: DuplicatePolicy | None = Field(default=None, description=POLICY_DOC)


class ImportField(BaseModel):
    key: str
    description: str
    multiple: bool = Field(description="whether several columns may fill it")


class PreviewRow(BaseModel):
    row: int = Field(description="line number in the file (the header is line 1)")
    action: Literal["create", "update", "skip", "error"]
    values: dict[str, Any]
    errors: list[str]
    duplicates: list[uuid.UUID] = Field(
        description="the records (contacts or leads) this row matches by e-mail or phone"
    )


class PreviewOut(BaseModel):
    columns: list[ImportColumn]
    rows: list[PreviewRow]
    summary: dict[str, int]


class RowErrorOut(BaseModel):
    row: int
    error: str
