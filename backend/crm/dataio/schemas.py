"""Import and export bodies."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from crm.kit import examples as ex
from crm.kit.examples import example

DuplicatePolicy = Literal["skip", "update", "create"]
ImportObject = Literal["contact", "lead"]
POLICY_DOC = (
    "what to do with a row whose e-mail or phone already belongs to a record of the import's type"
    " (or to an earlier row): `skip` it, `update` that record (values given win, a contact's"
    " e-mails/phones and any tags add up), or `create` anyway"
)


class ImportColumn(BaseModel):
    model_config = example({"header": "E-mail Address", "target": "email"})
    header: str
    target: str | None = Field(description="the field this column fills; null: not imported")


class Progress(BaseModel):
    model_config = example({"done": 1200, "total": 4800})
    done: int
    total: int | None


class ImportOut(BaseModel):
    model_config = example(
        {
            "id": ex.IMPORT_ID,
            "object_type": "contact",
            "file_name": "patients-madrid.csv",
            "status": "running",
            "duplicate_policy": "update",
            "columns": [
                {"header": "First Name", "target": "first_name"},
                {"header": "E-mail Address", "target": "email"},
                {"header": "Notes", "target": None},
            ],
            "total_rows": 4800,
            "created": 1100,
            "updated": 80,
            "skipped": 12,
            "failed": 8,
            "progress": {"done": 1200, "total": 4800},
            "job_run_id": ex.JOB_ID,
            "created_by": ex.USER_ID,
            "created_at": ex.CREATED_AT,
            "updated_at": ex.UPDATED_AT,
        }
    )
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
    model_config = example(
        {
            "mapping": {"First Name": "first_name", "E-mail Address": "email", "Notes": None},
            "duplicate_policy": "update",
        },
        extra="forbid",
    )
    mapping: dict[str, str | None] = Field(
        max_length=500,
        description="column header -> field (see `GET /imports/fields`); null or absent: not imported",
        examples=[{"First Name": "first_name", "E-mail Address": "email", "Notes": None}],
    )
    duplicate_policy: DuplicatePolicy | None = Field(default=None, description=POLICY_DOC)


class RunIn(BaseModel):
    model_config = example(
        {"duplicate_policy": "skip"},
        extra="forbid",
    )
    duplicate_policy: DuplicatePolicy | None = Field(default=None, description=POLICY_DOC)


class ImportField(BaseModel):
    model_config = example(
        {
            "key": "email",
            "description": "e-mail address(es); several columns, or several addresses separated by ; or ,",
            "multiple": True,
        }
    )
    key: str
    description: str
    multiple: bool = Field(description="whether several columns may fill it")


class PreviewRow(BaseModel):
    model_config = example(
        {
            "row": 2,
            "action": "update",
            "values": {"first_name": "Lucía", "email": ex.CONTACT_EMAIL},
            "errors": [],
            "duplicates": [ex.CONTACT_ID],
        }
    )
    row: int = Field(description="line number in the file (the header is line 1)")
    action: Literal["create", "update", "skip", "error"]
    values: dict[str, Any]
    errors: list[str]
    duplicates: list[uuid.UUID] = Field(
        description="the records (contacts or leads) this row matches by e-mail or phone"
    )


class PreviewOut(BaseModel):
    model_config = example(
        {
            "columns": [
                {"header": "First Name", "target": "first_name"},
                {"header": "E-mail Address", "target": "email"},
            ],
            "rows": [
                {
                    "row": 2,
                    "action": "update",
                    "values": {"first_name": "Lucía", "email": ex.CONTACT_EMAIL},
                    "errors": [],
                    "duplicates": [ex.CONTACT_ID],
                },
                {
                    "row": 3,
                    "action": "error",
                    "values": {"first_name": "Javier", "email": "javier.moreno@"},
                    "errors": ["email: not an e-mail address"],
                    "duplicates": [],
                },
            ],
            "summary": {"create": 0, "update": 1, "skip": 0, "error": 1},
        }
    )
    columns: list[ImportColumn]
    rows: list[PreviewRow]
    summary: dict[str, int]


class RowErrorOut(BaseModel):
    model_config = example({"row": 3, "error": "email: not an e-mail address"})
    row: int
    error: str
