"""Storage drivers, local folder and S3 (moto server on loopback), through the same tests."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.config import Config

from crm.core.config import Settings, load_settings
from crm.core.storage import (
    MIN_PART_SIZE,
    ContentTypeNotAllowed,
    InvalidKey,
    LocalStorage,
    ObjectNotFound,
    ObjectTooLarge,
    PresignNotSupported,
    S3Storage,
    Storage,
    StorageUnavailable,
    make_storage,
)
from tests.fixtures.redis import free_port
from tests.fixtures.s3 import s3_settings_for

MiB = 1024 * 1024
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"


def pattern(size: int) -> Iterator[bytes]:
    """Deterministic, non-repeating-looking data in 64 KiB chunks (the last one shorter)."""
    seed = hashlib.sha256(str(size).encode()).digest() * 2048
    sent = 0
    while sent < size:
        chunk = seed[: min(len(seed), size - sent)]
        sent += len(chunk)
        yield chunk


async def stream(data: bytes | Iterator[bytes], chunk: int = 64 * 1024) -> AsyncIterator[bytes]:
    if isinstance(data, bytes):
        for start in range(0, len(data), chunk):
            yield data[start : start + chunk]
    else:
        for piece in data:
            yield piece


async def read_all(storage: Storage, key: str) -> bytes:
    return b"".join([chunk async for chunk in await storage.open(key)])


def leftovers(storage: Storage) -> list[str]:
    """Anything an aborted upload could have left: temp files, or unfinished multipart uploads."""
    if isinstance(storage, LocalStorage):
        tmp = storage.root / ".tmp"
        return sorted(p.name for p in tmp.iterdir()) if tmp.exists() else []
    assert isinstance(storage, S3Storage)
    uploads = storage.client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", [])
    return [upload["Key"] for upload in uploads]


@pytest.fixture(params=["local", "s3"])
def storage_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "s3":
        s3_settings: Settings = request.getfixturevalue("s3_settings")
        return s3_settings
    return load_settings(data_dir=tmp_path, storage_max_upload_bytes=32 * MiB)


@pytest.fixture
def storage(storage_settings: Settings, request: pytest.FixtureRequest) -> Storage:
    if storage_settings.storage_driver != "s3":
        return make_storage(storage_settings)
    s3: S3Storage = request.getfixturevalue("s3_storage")
    s3.part_size = MIN_PART_SIZE  # multipart kicks in at 5 MiB, keeping the tests quick
    return s3


async def test_round_trip(storage: Storage) -> None:
    key = "org-1/attachments/report.pdf"
    stored = await storage.put(key, stream(PDF, chunk=7), "application/pdf")

    assert stored.size == len(PDF)
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert await storage.exists(key)
    assert await read_all(storage, key) == PDF
    stat = await storage.stat(key)
    assert (stat.size, stat.content_type, stat.sha256) == (len(PDF), "application/pdf", stored.sha256)

    await storage.delete(key)
    assert not await storage.exists(key)
    await storage.delete(key)  # deleting again is not an error
    with pytest.raises(ObjectNotFound):
        await storage.open(key)
    with pytest.raises(ObjectNotFound):
        await storage.stat(key)


async def test_large_object_streams_both_ways(storage: Storage) -> None:
    size = 12 * MiB + 12345  # three S3 parts, the last one short
    expected = hashlib.sha256(b"".join(pattern(size))).hexdigest()

    stored = await storage.put("big/blob.bin", stream(pattern(size)), "application/octet-stream", 20 * MiB)

    assert (stored.size, stored.sha256) == (size, expected)
    digest, received, largest = hashlib.sha256(), 0, 0
    async for chunk in await storage.open("big/blob.bin", chunk_size=256 * 1024):
        digest.update(chunk)
        received += len(chunk)
        largest = max(largest, len(chunk))
    assert (received, digest.hexdigest()) == (size, expected)
    assert largest <= 256 * 1024  # read in chunks, not in one piece
    assert (await storage.stat("big/blob.bin")).size == size


@pytest.mark.parametrize("size", [3 * MiB, 7 * MiB], ids=["single-part", "multipart"])
async def test_over_the_limit_stores_nothing(storage: Storage, size: int) -> None:
    key = "org-1/too-big.bin"
    await storage.put(key, stream(b"old version"), "text/plain")

    with pytest.raises(ObjectTooLarge) as raised:
        await storage.put(key, stream(pattern(size)), "application/octet-stream", max_bytes=size - 1)

    assert raised.value.status_code == 413
    assert await read_all(storage, key) == b"old version"  # the failed overwrite changed nothing
    assert leftovers(storage) == []
    with pytest.raises(ObjectTooLarge):
        await storage.put("org-1/new.bin", stream(pattern(size)), "application/octet-stream", size - 1)
    assert not await storage.exists("org-1/new.bin")
    assert leftovers(storage) == []


async def test_default_limit_comes_from_settings(storage_settings: Settings) -> None:
    storage = make_storage(storage_settings.model_copy(update={"storage_max_upload_bytes": 10}))
    with pytest.raises(ObjectTooLarge):
        await storage.put("k", stream(b"x" * 11), "text/plain")
    assert (await storage.put("k", stream(b"x" * 10), "text/plain")).size == 10


async def test_failing_stream_stores_nothing(storage: Storage) -> None:
    async def broken() -> AsyncIterator[bytes]:
        for piece in pattern(6 * MiB):
            yield piece
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await storage.put("org-1/partial.bin", broken(), "application/octet-stream")
    assert not await storage.exists("org-1/partial.bin")
    assert leftovers(storage) == []


@pytest.mark.parametrize(
    "key",
    [
        "../escape",
        "a/../../escape",
        "/etc/passwd",
        "a//b",
        "",
        ".meta/a.json",
        ".tmp/x",
        "a/./b",
        "a\\b",
        "a/",
    ],
)
async def test_unsafe_keys_are_refused(storage: Storage, key: str) -> None:
    with pytest.raises(InvalidKey) as raised:
        await storage.put(key, stream(b"x"), "text/plain")
    assert raised.value.status_code == 400
    for call in (storage.open, storage.stat, storage.delete, storage.exists):
        with pytest.raises(InvalidKey):
            await call(key)


async def test_local_refuses_symlinks_out_of_its_folder(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    storage = LocalStorage(tmp_path / "root", max_upload_bytes=MiB)
    (tmp_path / "root").mkdir()
    os.symlink(outside, tmp_path / "root" / "link")

    with pytest.raises(InvalidKey):
        await storage.open("link/secret.txt")
    with pytest.raises(InvalidKey):
        await storage.put("link/planted.txt", stream(b"x"), "text/plain")
    assert not (outside / "planted.txt").exists()


async def test_local_cannot_presign(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path, max_upload_bytes=MiB)
    assert not storage.supports_presign
    with pytest.raises(PresignNotSupported):
        await storage.presigned_get_url("a/b")
    with pytest.raises(PresignNotSupported):
        await storage.presigned_put_url("a/b", "application/pdf", MiB)


async def test_s3_presigned_get_downloads(s3_settings: Settings) -> None:
    storage = make_storage(s3_settings)
    await storage.put("org-1/report.pdf", stream(PDF), "application/pdf")

    url = await storage.presigned_get_url("org-1/report.pdf", expires=60, download_name='Q3 "final".pdf')
    async with httpx.AsyncClient() as http:
        response = await http.get(url)
        unsigned = await http.get(url.split("?", 1)[0])

    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="Q3 _final_.pdf"'
    assert unsigned.status_code == 403  # the signature is what grants access


async def test_s3_presigned_put_uploads(s3_settings: Settings) -> None:
    storage = make_storage(s3_settings)
    upload = await storage.presigned_put_url("org-1/upload.pdf", "application/pdf", MiB, expires=60)

    async with httpx.AsyncClient() as http:
        response = await http.request(upload.method, upload.url, content=PDF, headers=upload.headers)

    assert response.status_code == 200
    assert await read_all(storage, "org-1/upload.pdf") == PDF
    confirmed = await storage.confirm_upload("org-1/upload.pdf", MiB, allowed={"application/pdf"})
    assert (confirmed.size, confirmed.content_type) == (len(PDF), "application/pdf")


async def test_s3_presigned_put_with_known_size(s3_settings: Settings) -> None:
    storage = make_storage(s3_settings)
    with pytest.raises(ObjectTooLarge):
        await storage.presigned_put_url("org-1/x.pdf", "application/pdf", 100, content_length=101)

    upload = await storage.presigned_put_url("org-1/x.pdf", "application/pdf", MiB, content_length=len(PDF))
    assert upload.headers["Content-Length"] == str(len(PDF))
    async with httpx.AsyncClient() as http:
        response = await http.put(upload.url, content=PDF, headers=upload.headers)
    assert response.status_code == 200


async def test_confirm_upload_deletes_what_breaks_the_rules(s3_settings: Settings) -> None:
    """A presigned PUT cannot bound size or type; the check afterwards removes offenders."""
    storage = make_storage(s3_settings)
    for key, body in (("org-1/big.pdf", PDF + b"x" * 100), ("org-1/fake.pdf", b"MZ\x90\x00 not a pdf")):
        upload = await storage.presigned_put_url(key, "application/pdf", MiB)
        async with httpx.AsyncClient() as http:
            assert (await http.put(upload.url, content=body, headers=upload.headers)).status_code == 200

    with pytest.raises(ObjectTooLarge):
        await storage.confirm_upload("org-1/big.pdf", max_bytes=len(PDF), allowed={"application/pdf"})
    with pytest.raises(ContentTypeNotAllowed) as raised:
        await storage.confirm_upload("org-1/fake.pdf", max_bytes=MiB, allowed={"application/pdf"})
    assert raised.value.status_code == 415
    assert not await storage.exists("org-1/big.pdf")
    assert not await storage.exists("org-1/fake.pdf")


async def test_s3_unreachable_is_a_503(tmp_path: Path) -> None:
    settings = s3_settings_for(f"http://127.0.0.1:{free_port()}", "nobucket", tmp_path)
    storage = S3Storage(
        boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name="us-east-1",
            aws_access_key_id="k",
            aws_secret_access_key="s",
            config=Config(retries={"max_attempts": 0}, connect_timeout=1),
        ),
        "nobucket",
        max_upload_bytes=MiB,
    )
    with pytest.raises(StorageUnavailable) as raised:
        await storage.exists("a")
    assert raised.value.status_code == 503
