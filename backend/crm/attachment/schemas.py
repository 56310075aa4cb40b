"""Attachment bodies. A file's name may be personal data: it is shown to users, never audited."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field

from crm.kit import examples as ex
from crm.kit.examples import example

ObjectType = Literal["contact", "company", "lead", "deal"]


class AttachmentOut(BaseModel):
    model_config = example(
        {
            "id": ex.ATTACHMENT_ID,
            "object_type": "contact",
            "record_id": ex.CONTACT_ID,
            "file_name": "referral-letter.pdf",
            "content_type": "application/pdf",
            "size": 184320,
            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "status": "ready",
            "uploaded_by": ex.USER_ID,
            "created_at": ex.UPDATED_AT,
        }
    )
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
    model_config = example(
        {"file_name": "referral-letter.pdf", "content_type": "application/pdf", "size": 184320},
        extra="forbid",
    )
    file_name: str = Field(min_length=1, max_length=255, examples=["referral-letter.pdf"])
    content_type: str = Field(min_length=3, max_length=100, examples=["application/pdf"])
    size: int = Field(ge=1, description="exact size in bytes; it is signed into the URL")


class PresignedUploadOut(BaseModel):
    model_config = example(
        {
            "method": "PUT",
            "url": "https://files.example.com/org/6f1c2b8e/e5f6a7b8?X-Amz-Signature=3b1f",
            "headers": {"Content-Type": "application/pdf", "Content-Length": "184320"},
        }
    )
    method: str = Field(examples=["PUT"])
    url: str
    headers: dict[str, str] = Field(description="send exactly these headers with the PUT")


class PresignOut(BaseModel):
    model_config = example(
        {
            "attachment": {
                "id": ex.ATTACHMENT_ID,
                "object_type": "contact",
                "record_id": ex.CONTACT_ID,
                "file_name": "referral-letter.pdf",
                "content_type": "application/pdf",
                "size": 184320,
                "sha256": "",
                "status": "pending",
                "uploaded_by": ex.USER_ID,
                "created_at": ex.UPDATED_AT,
            },
            "upload": {
                "method": "PUT",
                "url": "https://files.example.com/org/6f1c2b8e/e5f6a7b8?X-Amz-Signature=3b1f",
                "headers": {"Content-Type": "application/pdf", "Content-Length": "184320"},
            },
        }
    )
    attachment: AttachmentOut
    upload: PresignedUploadOut


class DownloadUrlOut(BaseModel):
    model_config = example(
        {"url": "https://files.example.com/org/6f1c2b8e/e5f6a7b8?X-Amz-Signature=7c2d", "expires_in": 300}
    )
    url: str
    expires_in: int = Field(description="seconds")
