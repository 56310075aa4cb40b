"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware): request id, access log, body-size cap."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_ai.core.errors import PayloadTooLarge
from crm_ai.core.logging import org_id_var, request_id_var

log = logging.getLogger("crm_ai.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int, path_limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # Uploads (audio) are streamed to disk by their endpoint and get their own, larger cap.
        self.path_limits = path_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        # The backend passes its request id so one user action can be followed across services;
        # anything odd-looking is replaced rather than echoed into our logs.
        incoming = headers.get("x-request-id", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        rid_token = request_id_var.set(request_id)
        org_token = org_id_var.set(None)
        started = time.perf_counter()
        status = 500

        max_body = self.path_limits.get(scope.get("path", ""), self.max_body_bytes)
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > max_body):
            status = 413
            await _send_json(
                send, 413, {"error": "payload_too_large", "detail": "request body too large"}, request_id
            )
            self._log(scope, status, started)
            request_id_var.reset(rid_token)
            org_id_var.reset(org_token)
            return

        received = 0

        async def capped_receive() -> Message:
            # Chunked bodies carry no content-length: count as they arrive.
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_body:
                    raise PayloadTooLarge("request body too large")
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, capped_receive, send_with_id)
        finally:
            self._log(scope, status, started)
            request_id_var.reset(rid_token)
            org_id_var.reset(org_token)

    @staticmethod
    def _log(scope: Scope, status: int, started: float) -> None:
        path = scope.get("path", "")
        if path in ("/healthz", "/readyz"):
            return  # probes every few seconds would drown the useful lines
        log.info(
            "request",
            extra={
                "method": scope.get("method"),
                "path": path,
                "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )


async def _send_json(send: Send, status: int, body: dict[str, str], request_id: str) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"x-request-id", request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
