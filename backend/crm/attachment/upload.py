"""Reading one file out of a ``multipart/form-data`` request as a stream.

FastAPI's ``UploadFile`` receives the whole body (spooled to disk) before the endpoint
runs, so neither the size limit nor the type check could refuse a file early. Here the
body is parsed as it arrives and the file part's bytes are handed on chunk by chunk: the
storage driver counts them against the limit and stops the upload the moment it passes.
"""

from __future__ import annotations

import collections
import re
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

from crm.core.errors import BadRequest, PayloadTooLarge

FIELD_NAME = "file"
# Multipart framing around one file: boundaries, part headers, a few small form fields.
ENVELOPE_BYTES = 64 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]")


class MalformedUpload(BadRequest):
    code = "malformed_upload"


@dataclass
class FilePart:
    file_name: str
    declared_type: str | None
    chunks: AsyncIterator[bytes]


def safe_file_name(raw: str | None, default: str = "file") -> str:
    """A display name with no path, no control characters, at most 255 characters."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().strip(".") or default
    if len(name) > 255:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 250 - len(extension)] + dot + extension) if dot and len(extension) < 20 else name[:255]
    return name


def check_length(request: Request, max_bytes: int) -> None:
    """Refuse at once a body that announces more than the limit (the stream is counted anyway)."""
    raw = request.headers.get("content-length")
    if raw and raw.isdigit() and int(raw) > max_bytes + ENVELOPE_BYTES:
        raise PayloadTooLarge(
            f"the file is larger than the limit of {max_bytes} bytes", code="object_too_large"
        )


class _Events:
    """Feeds the body to the parser and queues what it finds (headers, data, part ends)."""

    def __init__(self, request: Request, boundary: bytes) -> None:
        self.queue: collections.deque[tuple[str, Any]] = collections.deque()
        self._field = bytearray()
        self._value = bytearray()
        self._body = request.stream()
        self._done = False
        self.parser = MultipartParser(
            boundary,
            {
                "on_part_begin": lambda: self.queue.append(("begin", None)),
                "on_header_field": self._on_field,
                "on_header_value": self._on_value,
                "on_header_end": self._on_header_end,
                "on_headers_finished": lambda: self.queue.append(("headers", None)),
                "on_part_data": self._on_data,
                "on_part_end": lambda: self.queue.append(("end", None)),
            },
            max_header_count=8,
        )

    def _on_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _on_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _on_header_end(self) -> None:
        self.queue.append(("header", (bytes(self._field).lower(), bytes(self._value))))
        self._field.clear()
        self._value.clear()

    def _on_data(self, data: bytes, start: int, end: int) -> None:
        self.queue.append(("data", data[start:end]))

    async def next(self) -> tuple[str, Any] | None:
        while not self.queue:
            if self._done:
                return None
            try:
                chunk = await anext(self._body)
            except StopAsyncIteration:
                self._done = True
                self.parser.finalize()
                continue
            except ClientDisconnect:
                raise MalformedUpload("the upload was interrupted") from None
            try:
                self.parser.write(chunk)
            except MultipartParseError:
                raise MalformedUpload("the multipart body is malformed") from None
        return self.queue.popleft()


async def file_part(request: Request) -> FilePart:
    """The part named ``file``: its name, declared type and a stream of its bytes.

    Form fields before it are skipped (metadata travels in the query string); anything
    after it is read and ignored once the file has been consumed.
    """
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise MalformedUpload(f"send the file as multipart/form-data in a part named {FIELD_NAME!r}")
    events = _Events(request, boundary)
    skipped = 0
    headers: dict[bytes, bytes] = {}
    while (event := await events.next()) is not None:
        kind, value = event
        if kind == "begin":
            headers = {}
        elif kind == "header":
            headers[value[0]] = value[1]
        elif kind == "data":
            skipped += len(value)
            if skipped > ENVELOPE_BYTES:
                raise MalformedUpload(f"put the file in a part named {FIELD_NAME!r} before other fields")
        elif kind == "headers":
            _, disposition = parse_options_header(headers.get(b"content-disposition", b""))
            if disposition.get(b"name") == FIELD_NAME.encode() and b"filename" in disposition:
                declared = headers.get(b"content-type", b"").decode("latin-1").strip() or None
                name = disposition[b"filename"].decode("utf-8", "replace")
                return FilePart(safe_file_name(name), declared, _part_bytes(events))
    raise MalformedUpload(f"no file part named {FIELD_NAME!r} in the upload")


async def _part_bytes(events: _Events) -> AsyncIterator[bytes]:
    pending: list[bytes] = []
    size = 0
    while (event := await events.next()) is not None:
        kind, value = event
        if kind == "end":
            break
        if kind == "data":
            pending.append(value)
            size += len(value)
            if size >= 64 * 1024:  # hand on ~64 KiB at a time, not the parser's small slices
                yield b"".join(pending)
                pending, size = [], 0
    else:
        raise MalformedUpload("the upload ended in the middle of the file")
    if pending:
        yield b"".join(pending)
    # Read a small epilogue (the closing boundary) so the request completes; never a second file.
    trailing = 0
    while trailing <= ENVELOPE_BYTES and (event := await events.next()) is not None:
        if event[0] == "data":
            trailing += len(event[1])
