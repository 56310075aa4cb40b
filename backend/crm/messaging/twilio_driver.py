"""Twilio SMS driver: the Messages resource (``POST /2010-04-01/Accounts/{Sid}/Messages.json``,
form-encoded ``To``/``From``/``Body``, HTTP basic auth) through the official SDK's async client.

The SDK is imported on first use. Its async HTTP client (aiohttp) is subclassed only to send the
SDK's ``https://api.twilio.com`` URLs to ``CRM_TWILIO_BASE_URL`` when that is set elsewhere (a
regional edge, a proxy, the local fake in tests): Twilio documents custom HTTP clients as the seam.

Failures, by Twilio's documented errors (``{"code", "message", "more_info", "status"}``):
- 400 and other 4xx: the message itself is refused (21211 invalid 'To', 21610 the recipient
  replied STOP, 21614 not a mobile number, 21617 body too long): the same request would fail
  again, so the row fails with Twilio's code and message.
- 401 / 403 / 404: wrong Account SID or auth token, or a suspended account: settings an admin can
  fix while the job backs off. 429 (20429 too many requests), 5xx and network errors: retried.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from crm.messaging.email_drivers import DeliveryError, PermanentDeliveryError
from crm.messaging.schemas import DeliveryResult, EmailStatus, OutgoingSms

if TYPE_CHECKING:
    from twilio.http.async_http_client import AsyncTwilioHttpClient

TWILIO_API = "https://api.twilio.com"
TIMEOUT_S = 30.0
MAX_ERROR_LENGTH = 1000
RETRIED_STATUSES = frozenset({401, 403, 404, 408, 429})

# The SDK logs every request's URL and headers at INFO; ours stay quiet unless something is wrong.
_sdk_log = logging.getLogger("crm.messaging.twilio_sdk")
_sdk_log.setLevel(logging.WARNING)


def redact_number(text: str, number: str) -> str:
    """Twilio's messages quote the number ('The 'To' number +44… is not valid'): the row keeps the
    number encrypted, so its error text must not keep a plain copy."""
    digits = re.sub(r"\D", "", number)
    if len(digits) < 4:
        return text
    pattern = r"\+?" + r"[\s\-().]*".join(re.escape(d) for d in digits)
    return re.sub(pattern, "[recipient]", text)


def _http_client(base_url: str, timeout: float) -> AsyncTwilioHttpClient:
    from twilio.http.async_http_client import AsyncTwilioHttpClient

    class BaseUrlHttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]  # the SDK is untyped
        async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            if base_url != TWILIO_API and url.startswith(TWILIO_API):
                url = base_url + url[len(TWILIO_API) :]
            return await super().request(method, url, *args, **kwargs)

    # max_retries unset: retries belong to the delivery job, which records each failure.
    return BaseUrlHttpClient(timeout=timeout, logger=_sdk_log)


class TwilioSmsDriver:
    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        *,
        base_url: str = TWILIO_API,
        timeout: float = TIMEOUT_S,
    ) -> None:
        self.account_sid = account_sid
        self._auth_token = auth_token
        self.from_number = from_number
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"TwilioSmsDriver(account_sid={self.account_sid!r}, base_url={self.base_url!r})"

    async def send(self, sms: OutgoingSms) -> DeliveryResult:
        import aiohttp
        from twilio.base.exceptions import TwilioRestException
        from twilio.rest import Client

        http = _http_client(self.base_url, self.timeout)
        client = Client(self.account_sid, self._auth_token, http_client=http)
        try:
            message = await client.messages.create_async(to=sms.to, from_=self.from_number, body=sms.body)
        except TwilioRestException as exc:
            code = f" {exc.code}" if exc.code else ""
            # exc.msg reads "Unable to create record: <Twilio's message>".
            detail = redact_number(str(exc.msg).removeprefix("Unable to create record: "), sms.to)
            error = f"Twilio {exc.status}{code}: {detail}"[:MAX_ERROR_LENGTH]
            if exc.status in RETRIED_STATUSES or exc.status >= 500:
                raise DeliveryError(error) from None
            raise PermanentDeliveryError(error) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            reason = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
            raise DeliveryError(f"Twilio unreachable: {reason}") from None
        finally:
            await http.close()
        # 201 Created, status "queued" (or "accepted"): Twilio now owns delivery; the SID names it.
        return DeliveryResult(EmailStatus.sent, message.sid)
