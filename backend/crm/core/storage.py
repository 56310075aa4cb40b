"""Object storage: a local folder (embedded default) or S3, behind one streaming interface.

Uploads stream through in chunks and are counted as they arrive, so a client cannot make
the server buffer more than one chunk (or one multipart part) or store more than the
limit; an aborted upload leaves nothing behind. Content types are sniffed from the first
bytes, never taken from the file name or the client's header alone.
"""

from __future__ import annotations

import abc
import asyncio
import codecs
import hashlib
import json
import os
import re
import tempfile
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import boto3  # type: ignore[import-untyped]
import puremagic
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from crm.core.config import Settings, StorageDriver
from crm.core.errors import (
    AppError,
    BadRequest,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    UnsupportedMediaType,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CHUNK_SIZE = 64 * 1024
SNIFF_BYTES = 4096
# S3 refuses parts under 5 MiB (except the last); 8 MiB keeps memory per upload bounded.
MIN_PART_SIZE = 5 * 1024 * 1024
DEFAULT_PART_SIZE = 8 * 1024 * 1024
# Every segment starts with a letter, digit or underscore: no "..", no hidden ".tmp"/".meta".
_KEY_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}(/[A-Za-z0-9_-][A-Za-z0-9._-]{0,254})*")
_MAX_KEY_LENGTH = 512
# Text formats have no magic number: trusted as declared only when the bytes look like text.
TEXT_TYPES = frozenset(
    {"text/plain", "text/csv", "text/markdown", "text/calendar", "text/vcard", "application/json"}
)
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13}


class InvalidKey(BadRequest):
    code = "invalid_storage_key"


class ObjectNotFound(NotFound):
    code = "object_not_found"


class ObjectTooLarge(PayloadTooLarge):
    code = "object_too_large"


class ContentTypeNotAllowed(UnsupportedMediaType):
    code = "content_type_not_allowed"


class StorageUnavailable(ServiceUnavailable):
    code = "storage_unavailable"


class PresignNotSupported(AppError):
    """The driver cannot hand out URLs (local folder): callers stream through the API instead."""

    status_code = 501
    code = "presign_not_supported"


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    content_type: str
    sha256: str


@dataclass(frozen=True)
class PresignedUpload:
    """What a client needs for a direct upload: PUT ``url`` with exactly these ``headers``."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "PUT"


def validate_key(key: str) -> str:
    if len(key) > _MAX_KEY_LENGTH or not _KEY_RE.fullmatch(key):
        raise InvalidKey(f"invalid storage key {key[:80]!r}")
    return key


def tenant_key(organization_id: object, *parts: str) -> str:
    """Keys start with the organisation, so one tenant's objects never share a prefix with another's."""
    return validate_key("/".join((str(organization_id), *parts)))


def _looks_like_text(head: bytes) -> bool:
    try:
        # Incremental decoding: a multi-byte character cut at the sniff boundary is fine.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return not any(byte in _CONTROL for byte in head)


def sniff_content_type(head: bytes, declared: str | None = None) -> str:
    """The content type the first bytes prove; the declared one only when the bytes agree with it."""
    wanted = (declared or "").split(";", 1)[0].strip().lower()
    try:
        matches = puremagic.magic_string(head) if head else []
    except (puremagic.PureError, ValueError):
        matches = []
    found: dict[str, float] = {str(m.mime_type): float(m.confidence) for m in matches if m.mime_type}
    # One signature can stand for several formats (a zip is also docx/xlsx): the declared one wins.
    if wanted in found:
        return wanted
    text = _looks_like_text(head)
    if text and wanted in TEXT_TYPES:
        return wanted
    if found:
        return max(found, key=lambda mime: found[mime])
    return "text/plain" if text else "application/octet-stream"


def check_content_type(head: bytes, declared: str | None, allowed: Collection[str]) -> str:
    content_type = sniff_content_type(head, declared)
    if content_type not in allowed:
        raise ContentTypeNotAllowed(f"content type {content_type} is not accepted here")
    return content_type


async def sniff_upload(
    chunks: AsyncIterator[bytes], declared: str | None, allowed: Collection[str]
) -> tuple[str, AsyncIterator[bytes]]:
    """Read just enough of a stream to check its type; return the type and the whole stream again."""
    head = bytearray()
    buffered: list[bytes] = []
    while len(head) < SNIFF_BYTES:
        try:
            chunk = await anext(chunks)
        except StopAsyncIteration:
            break
        buffered.append(chunk)
        head += chunk
    content_type = check_content_type(bytes(head[:SNIFF_BYTES]), declared, allowed)

    async def replay() -> AsyncIterator[bytes]:
        for chunk in buffered:
            yield chunk
        async for chunk in chunks:
            yield chunk

    return content_type, replay()


class _Meter:
    """Counts and hashes a stream, refusing it the moment it passes the limit."""

    def __init__(self, key: str, max_bytes: int) -> None:
        self.key, self.max_bytes, self.size = key, max_bytes, 0
        self._sha = hashlib.sha256()

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise ObjectTooLarge(f"object is larger than the limit of {self.max_bytes} bytes")
        self._sha.update(chunk)

    def result(self, content_type: str) -> StoredObject:
        return StoredObject(self.key, self.size, content_type, self._sha.hexdigest())


async def _read(handle: Any, chunk_size: int) -> AsyncIterator[bytes]:
    """Stream a blocking file-like object (a file, or boto3's body) a thread hop per chunk."""
    try:
        while chunk := await asyncio.to_thread(handle.read, chunk_size):
            yield chunk
    finally:
        handle.close()


class Storage(abc.ABC):
    driver: str
    supports_presign: bool = False

    def __init__(self, *, max_upload_bytes: int, presign_seconds: int) -> None:
        self.max_upload_bytes = max_upload_bytes
        self.presign_seconds = presign_seconds

    @abc.abstractmethod
    async def put(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        content_type: str,
        max_bytes: int | None = None,
    ) -> StoredObject:
        """Store a stream under ``key`` (replacing it); over ``max_bytes`` raises and stores nothing."""

    @abc.abstractmethod
    async def open(self, key: str, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        """Raise ``ObjectNotFound`` now (before a response starts), then stream the bytes."""

    @abc.abstractmethod
    async def stat(self, key: str) -> StoredObject: ...

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Idempotent: deleting a missing key is not an error."""

    async def exists(self, key: str) -> bool:
        try:
            await self.stat(key)
        except ObjectNotFound:
            return False
        return True

    async def presigned_get_url(
        self, key: str, expires: int | None = None, download_name: str | None = None
    ) -> str:
        raise PresignNotSupported(f"the {self.driver} storage driver cannot presign URLs")

    async def presigned_put_url(
        self,
        key: str,
        content_type: str,
        max_bytes: int | None = None,
        expires: int | None = None,
        content_length: int | None = None,
    ) -> PresignedUpload:
        raise PresignNotSupported(f"the {self.driver} storage driver cannot presign URLs")

    async def read_head(self, key: str, size: int = SNIFF_BYTES) -> bytes:
        head = bytearray()
        async for chunk in await self.open(key, chunk_size=size):
            head += chunk
            if len(head) >= size:
                break
        return bytes(head[:size])

    async def confirm_upload(
        self, key: str, max_bytes: int | None = None, allowed: Collection[str] | None = None
    ) -> StoredObject:
        """Check an object a client uploaded directly (presigned PUT); delete it if it breaks a rule.

        A presigned PUT cannot bound the size or prove the type, so the API checks afterwards.
        """
        obj = await self.stat(key)
        limit = max_bytes or self.max_upload_bytes
        try:
            if obj.size > limit:
                raise ObjectTooLarge(f"object is larger than the limit of {limit} bytes")
            if allowed is not None:
                check_content_type(await self.read_head(key), obj.content_type, allowed)
        except AppError:
            await self.delete(key)
            raise
        return obj


class LocalStorage(Storage):
    """Objects as files under ``root``; metadata beside them in ``root/.meta``.

    Writes land in ``root/.tmp`` and are renamed into place, so readers never see half a file.
    """

    driver = "local"

    def __init__(self, root: Path, *, max_upload_bytes: int, presign_seconds: int = 900) -> None:
        super().__init__(max_upload_bytes=max_upload_bytes, presign_seconds=presign_seconds)
        self.root = root.resolve()

    def _path(self, key: str, base: str = "") -> Path:
        root = self.root / base if base else self.root
        path = (root / validate_key(key)).resolve()
        # The key pattern already forbids "..": this guards against symlinks planted in the folder.
        if not path.is_relative_to(root.resolve()):
            raise InvalidKey(f"invalid storage key {key[:80]!r}")
        return path

    def _meta_path(self, key: str) -> Path:
        return self._path(key + ".json", ".meta")

    async def put(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        content_type: str,
        max_bytes: int | None = None,
    ) -> StoredObject:
        path, meta_path = self._path(key), self._meta_path(key)
        meter = _Meter(key, max_bytes or self.max_upload_bytes)
        handle = await asyncio.to_thread(self._temp_file)
        try:
            pending: list[bytes] = []
            pending_size = 0
            async for chunk in chunks:
                meter.feed(chunk)
                pending.append(chunk)
                pending_size += len(chunk)
                # One thread hop per ~1 MiB rather than per chunk.
                if pending_size >= 1024 * 1024:
                    await asyncio.to_thread(handle.write, b"".join(pending))
                    pending, pending_size = [], 0
            await asyncio.to_thread(handle.write, b"".join(pending))
            stored = meter.result(content_type)
            await asyncio.to_thread(self._commit, handle, path, meta_path, stored)
        except BaseException:
            await asyncio.to_thread(self._discard, handle)
            raise
        return stored

    def _temp_file(self) -> IO[bytes]:
        tmp_dir = self.root / ".tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        return tempfile.NamedTemporaryFile(dir=tmp_dir, delete=False)

    @staticmethod
    def _discard(handle: IO[bytes]) -> None:
        handle.close()
        Path(handle.name).unlink(missing_ok=True)

    @staticmethod
    def _commit(handle: IO[bytes], path: Path, meta_path: Path, stored: StoredObject) -> None:
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        meta = {"content_type": stored.content_type, "size": stored.size, "sha256": stored.sha256}
        for target in (path, meta_path):
            target.parent.mkdir(parents=True, exist_ok=True)
        meta_tmp = Path(handle.name + ".meta")
        meta_tmp.write_text(json.dumps(meta))
        os.replace(meta_tmp, meta_path)
        os.replace(handle.name, path)

    async def open(self, key: str, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        path = self._path(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(f"no object {key!r}") from None
        return _read(handle, chunk_size)

    async def stat(self, key: str) -> StoredObject:
        return await asyncio.to_thread(self._stat, key)

    def _stat(self, key: str) -> StoredObject:
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(f"no object {key!r}")
        try:
            meta: dict[str, Any] = json.loads(self._meta_path(key).read_text())
        except (FileNotFoundError, ValueError):
            meta = {}
        return StoredObject(
            key=key,
            size=path.stat().st_size,
            content_type=str(meta.get("content_type", "application/octet-stream")),
            sha256=str(meta.get("sha256", "")),
        )

    async def delete(self, key: str) -> None:
        path, meta_path = self._path(key), self._meta_path(key)
        await asyncio.to_thread(path.unlink, missing_ok=True)
        await asyncio.to_thread(meta_path.unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).is_file)


class S3Storage(Storage):
    """Any S3-compatible store through boto3; its blocking calls run in worker threads."""

    driver = "s3"
    supports_presign = True

    def __init__(
        self,
        client: S3Client,
        bucket: str,
        *,
        max_upload_bytes: int,
        presign_seconds: int = 900,
        part_size: int = DEFAULT_PART_SIZE,
    ) -> None:
        super().__init__(max_upload_bytes=max_upload_bytes, presign_seconds=presign_seconds)
        self.client, self.bucket = client, bucket
        self.part_size = max(part_size, MIN_PART_SIZE)

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        assert settings.s3_bucket is not None  # Settings refuses s3 without a bucket
        key_id, secret = settings.s3_access_key_id, settings.s3_secret_access_key
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            aws_access_key_id=key_id.get_secret_value() if key_id else None,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            config=Config(
                signature_version="s3v4",
                # Custom endpoints (MinIO, moto) rarely have wildcard DNS for virtual-host buckets.
                s3={"addressing_style": "path" if settings.s3_endpoint_url else "auto"},
                retries={"max_attempts": 3, "mode": "standard"},
                max_pool_connections=32,
            ),
        )
        return cls(
            client,
            settings.s3_bucket,
            max_upload_bytes=settings.storage_max_upload_bytes,
            presign_seconds=settings.storage_presign_seconds,
        )

    async def _s3(self, operation: str, key: str, **kwargs: Any) -> Any:
        """One boto3 call on ``key``, in a thread, with S3's errors turned into ours."""
        call = getattr(self.client, operation)
        try:
            return await asyncio.to_thread(call, Bucket=self.bucket, Key=validate_key(key), **kwargs)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in {"404", "NoSuchKey", "NotFound"}:
                raise ObjectNotFound(f"no object {key!r}") from None
            raise StorageUnavailable(f"object storage refused the request ({code})") from None
        except BotoCoreError:
            raise StorageUnavailable("object storage is unreachable") from None

    async def put(
        self,
        key: str,
        chunks: AsyncIterator[bytes],
        content_type: str,
        max_bytes: int | None = None,
    ) -> StoredObject:
        meter = _Meter(validate_key(key), max_bytes or self.max_upload_bytes)
        buffer = bytearray()
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []

        async def flush_part(upload: str) -> None:
            body = bytes(buffer[: self.part_size])
            del buffer[: self.part_size]
            number = len(parts) + 1
            sent = await self._s3("upload_part", key, UploadId=upload, PartNumber=number, Body=body)
            parts.append({"ETag": sent["ETag"], "PartNumber": number})

        try:
            async for chunk in chunks:
                meter.feed(chunk)
                buffer += chunk
                while len(buffer) >= self.part_size:
                    if upload_id is None:
                        # Only streams past one part go multipart; their digest is known too late
                        # for S3 metadata, so it lives in the returned StoredObject only.
                        started = await self._s3("create_multipart_upload", key, ContentType=content_type)
                        upload_id = str(started["UploadId"])
                    await flush_part(upload_id)
            stored = meter.result(content_type)
            if upload_id is None:
                # Small objects: one request, and nothing exists until it succeeds.
                metadata = {"sha256": stored.sha256}
                await self._s3(
                    "put_object", key, Body=bytes(buffer), ContentType=content_type, Metadata=metadata
                )
                return stored
            if buffer:
                await flush_part(upload_id)
            await self._s3(
                "complete_multipart_upload", key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
            return stored
        except BaseException:
            if upload_id is not None:
                # Parts of an abandoned upload are invisible but still stored (and billed): drop them.
                await self._s3("abort_multipart_upload", key, UploadId=upload_id)
            raise

    async def open(self, key: str, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        response = await self._s3("get_object", key)
        return _read(response["Body"], chunk_size)

    async def stat(self, key: str) -> StoredObject:
        head = await self._s3("head_object", key)
        return StoredObject(
            key=key,
            size=int(head["ContentLength"]),
            content_type=str(head.get("ContentType", "application/octet-stream")),
            sha256=str(head.get("Metadata", {}).get("sha256", "")),
        )

    async def delete(self, key: str) -> None:
        await self._s3("delete_object", key)

    async def presigned_get_url(
        self, key: str, expires: int | None = None, download_name: str | None = None
    ) -> str:
        params: dict[str, str] = {"Bucket": self.bucket, "Key": validate_key(key)}
        if download_name:
            safe = re.sub(r"[^A-Za-z0-9._ -]", "_", download_name)[:200]
            params["ResponseContentDisposition"] = f'attachment; filename="{safe}"'
        return await asyncio.to_thread(
            self.client.generate_presigned_url,
            "get_object",
            Params=params,
            ExpiresIn=expires or self.presign_seconds,
        )

    async def presigned_put_url(
        self,
        key: str,
        content_type: str,
        max_bytes: int | None = None,
        expires: int | None = None,
        content_length: int | None = None,
    ) -> PresignedUpload:
        """A URL for one direct PUT. The content type is signed, so the client must send it as is.

        A PUT URL cannot carry a size range: when the client states its size it is checked
        against the limit and signed too; either way ``confirm_upload`` checks the result.
        """
        limit = max_bytes or self.max_upload_bytes
        params: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": validate_key(key),
            "ContentType": content_type,
        }
        headers = {"Content-Type": content_type}
        if content_length is not None:
            if content_length > limit:
                raise ObjectTooLarge(f"object is larger than the limit of {limit} bytes")
            params["ContentLength"] = content_length
            headers["Content-Length"] = str(content_length)
        url = await asyncio.to_thread(
            self.client.generate_presigned_url,
            "put_object",
            Params=params,
            ExpiresIn=expires or self.presign_seconds,
        )
        return PresignedUpload(url=url, headers=headers)


def make_storage(settings: Settings) -> Storage:
    if settings.storage_driver is StorageDriver.s3:
        return S3Storage.from_settings(settings)
    return LocalStorage(
        settings.storage_dir,
        max_upload_bytes=settings.storage_max_upload_bytes,
        presign_seconds=settings.storage_presign_seconds,
    )
