"""Attachment bodies. A file's name may be personal data: it is shown to users, never audited."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ObjectType = Literal["contact", "company", "lead", "deal"]


class AttachmentOut(BaseModel):
    id: uuid.UUID
    object_type: str
    record_id: uuid.UUID
    file_name: str
    content_type: str
    size: int = Field(description="bytes")
    sha256: str
    status: Literal["pending", "ready"] = Field(
        description="`pending` until a presigned upload is confirmed; only `ready` files are listed"
    )
    uploaded_by: uuid.UUID | None
    created_at: dt.datetime


class PresignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file_name: str = Field(min_length=1, max_length=255, examples=["referral-letter.pdf"])
    content_type: str = Field(min_length=3, max_length=100, examples=["application/pdf"])
    size: int = Field(ge=1, description="exact size in bytes; it is signed into the URL")


class PresignedUploadOut(BaseModel):
    method: str = Field(examples=["PUT"])
    url: str
    headers: dict[str, str] = Field(description="send exactly these headers with the PUT")


class PresignOut(BaseModel):
    attachment: AttachmentOut
    upload: PresignedUploadOut


class DownloadUrlOut(BaseModel):
    url: str
    expires_in: int = Field(description="seconds")
