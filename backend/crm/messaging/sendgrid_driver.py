"""SendGrid e-mail driver: the v3 Mail Send API (``POST /v3/mail/send``) through the official SDK.

The SDK (``sendgrid`` on ``python_http_client``) is blocking urllib, so each send runs in a worker
thread; it is imported on first use, so processes on another driver never load it.

How failures map onto the delivery job (crm/messaging/tasks.py):
- 400 / 413 / 415: SendGrid read the request and refused its content; the same bytes would fail
  again, so the row fails with SendGrid's own messages.
- 401 / 403 / 404: the API key is wrong, revoked or lacks the ``mail.send`` scope, the sender is not
  verified, or the base URL is wrong. Settings an admin can fix while the job backs off, as with an
  SMTP relay's AUTH.
- 429 (rate limit), 5xx, connection errors and timeouts: retried with the job's backoff.
"""

from __future__ import annotations

import asyncio
import json
import logging
from email.utils import getaddresses
from typing import TYPE_CHECKING, Any
from urllib.error import URLError

from crm.messaging.email_drivers import DeliveryError, PermanentDeliveryError
from crm.messaging.schemas import DeliveryResult, EmailStatus, OutgoingEmail

if TYPE_CHECKING:
    from sendgrid import SendGridAPIClient

DEFAULT_BASE_URL = "https://api.sendgrid.com"
TIMEOUT_S = 30.0
MAX_ERROR_LENGTH = 1000
# Statuses whose request would be refused again unchanged.
PERMANENT_STATUSES = frozenset({400, 413, 415})

# python_http_client logs every request's headers (the API key among them) at DEBUG: never let
# CRM_LOG_LEVEL=DEBUG put the key into our logs.
logging.getLogger("python_http_client").setLevel(logging.WARNING)


def mail_body(email: OutgoingEmail) -> dict[str, Any]:
    """The v3 Mail Send JSON for one message, built with the SDK's own ``Mail`` helper."""
    from sendgrid.helpers.mail import CustomArg, From, Mail, To

    [(name, address)] = getaddresses([email.sender])[:1] or [("", email.sender)]
    message = Mail(
        from_email=From(address, name or None),
        to_emails=To(email.to),
        subject=email.subject,
        plain_text_content=email.text,
        html_content=email.html,
    )
    # Echoed in SendGrid's event webhook, so its delivered/bounced events find the outbox row.
    message.custom_arg = CustomArg("outbox_id", str(email.id))
    body: dict[str, Any] = message.get()
    return body


def vendor_errors(body: bytes | str | None) -> str:
    """SendGrid's ``{"errors": [{"message", "field"}]}`` as one line; the raw text if not that shape."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    try:
        errors = json.loads(text)["errors"]
        parts = [
            f"{e['field']}: {e['message']}" if e.get("field") else str(e["message"])
            for e in errors
            if isinstance(e, dict) and e.get("message")
        ]
    except (ValueError, KeyError, TypeError):
        parts = []
    return ("; ".join(parts) or text.strip() or "no details")[:MAX_ERROR_LENGTH]


class SendGridEmailDriver:
    name = "sendgrid"

    def __init__(self, api_key: str, *, base_url: str = DEFAULT_BASE_URL, timeout: float = TIMEOUT_S) -> None:
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"SendGridEmailDriver(base_url={self.base_url!r})"

    def _client(self) -> SendGridAPIClient:
        from sendgrid import SendGridAPIClient

        return SendGridAPIClient(api_key=self._api_key, host=self.base_url)

    def _post(self, body: dict[str, Any]) -> str | None:
        response = self._client().client.mail.send.post(request_body=body, timeout=self.timeout)
        # 202 Accepted: queued at SendGrid; X-Message-Id names it in their activity feed and events.
        headers = response.headers
        return headers.get("X-Message-Id") if headers is not None else None

    async def send(self, email: OutgoingEmail) -> DeliveryResult:
        from python_http_client.exceptions import HTTPError

        body = mail_body(email)
        try:
            message_id = await asyncio.to_thread(self._post, body)
        except HTTPError as exc:
            status = int(exc.status_code)
            error = f"SendGrid {status}: {vendor_errors(exc.body)}"
            if status in PERMANENT_STATUSES:
                raise PermanentDeliveryError(error) from None
            raise DeliveryError(error) from None
        except (URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", None) or exc
            raise DeliveryError(f"SendGrid unreachable: {type(exc).__name__}: {reason}") from None
        return DeliveryResult(EmailStatus.sent, message_id)
