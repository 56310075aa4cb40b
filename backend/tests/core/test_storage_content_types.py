"""Content types come from the bytes: a name or a header cannot make an executable a PDF."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator

import pytest

from crm.core.storage import ContentTypeNotAllowed, check_content_type, sniff_content_type, sniff_upload

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("head", "declared", "expected"),
    [
        (PNG, "image/png", "image/png"),
        (PNG, "text/plain", "image/png"),  # a wrong header does not win over the bytes
        (PDF, None, "application/pdf"),
        (PDF, "application/pdf; charset=binary", "application/pdf"),
        (b"name,email\nAda,ada@example.com\n", "text/csv", "text/csv"),
        ("Grüße, 東京\n".encode(), "text/plain", "text/plain"),
        (b"plain words", "image/png", "text/plain"),  # text never becomes an image by saying so
        (b"<script>alert(1)</script>", "text/html", "text/plain"),  # HTML is not a trusted text type
        (b"\x00\x01\x02\x03garbage\xff", "image/png", "application/octet-stream"),
        (
            docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (b"", "text/plain", "text/plain"),
    ],
)
def test_sniff(head: bytes, declared: str | None, expected: str) -> None:
    assert sniff_content_type(head, declared) == expected


def test_multibyte_character_cut_at_the_sniff_boundary_is_still_text() -> None:
    head = ("é" * 3000).encode()[:4095]
    assert sniff_content_type(head, "text/plain") == "text/plain"


def test_allow_list() -> None:
    allowed = {"application/pdf", "image/png"}
    assert check_content_type(PDF, "application/pdf", allowed) == "application/pdf"
    with pytest.raises(ContentTypeNotAllowed) as raised:
        check_content_type(EXE, "application/pdf", allowed)
    assert raised.value.status_code == 415
    assert raised.value.code == "content_type_not_allowed"


async def test_sniff_upload_replays_the_whole_stream() -> None:
    pieces = [PNG[:5], PNG[5:], b"x" * 5000, b"tail"]

    async def source() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    content_type, replay = await sniff_upload(source(), "image/png", {"image/png"})
    assert content_type == "image/png"
    assert b"".join([chunk async for chunk in replay]) == b"".join(pieces)

    async def exe() -> AsyncIterator[bytes]:
        yield EXE

    with pytest.raises(ContentTypeNotAllowed):
        await sniff_upload(exe(), "image/png", {"image/png"})
