"""A fake of Twilio's Messages resource (``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``):

- HTTP basic auth with the Account SID and auth token, the SID also in the path, else 401 20003;
- a form-encoded body with ``To`` (E.164), ``From`` (a number of the account) and ``Body``
  (1-1600 characters), else 400 with Twilio's error code (21604, 21211, 21603, 21606, 21602, 21617);
  recipients in ``unsubscribed`` get 21610, as after they replied STOP;
- 201 with the Message resource JSON (``sid`` "SM…", ``status`` "queued", …) on success;
- 429 (20429) while ``rate_limited`` is above zero, and ``fail_with`` (e.g. 503) to play an outage.
Errors are ``{"code", "message", "more_info", "status"}`` as Twilio sends them.
"""

from __future__ import annotations

import base64
import re
import secrets
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.http import Reply, Request

E164 = re.compile(r"^\+[1-9]\d{3,14}$")
PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-f]{32})/Messages\.json$")


@dataclass
class Sent:
    sid: str
    to: str
    from_: str
    body: str
    headers: dict[str, str]


@dataclass
class FakeTwilio:
    account_sid: str
    auth_token: str
    numbers: set[str]  # the account's SMS-capable numbers
    sent: list[Sent] = field(default_factory=list)
    requests: int = 0
    unsubscribed: set[str] = field(default_factory=set)
    rate_limited: int = 0
    fail_with: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, request: Request) -> Reply:
        with self._lock:
            self.requests += 1
            match = PATH.match(request.path)
            if request.method != "POST" or match is None:
                return twilio_error(404, 20404, "The requested resource was not found")
            expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
            if (
                request.headers.get("authorization") != f"Basic {expected}"
                or match["sid"] != self.account_sid
            ):
                return twilio_error(401, 20003, "Authenticate")
            if self.fail_with is not None:
                return twilio_error(self.fail_with, 20500, "Internal Server Error")
            if self.rate_limited > 0:
                self.rate_limited -= 1
                return twilio_error(429, 20429, "Too Many Requests")
            if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                return twilio_error(400, 20001, "Unsupported content type")
            form = {k: v[0] for k, v in parse_qs(request.body.decode(), keep_blank_values=True).items()}
            to, from_, body = form.get("To"), form.get("From"), form.get("Body")
            if not to:
                return twilio_error(400, 21604, "A 'To' phone number is required.")
            if not E164.match(to):
                return twilio_error(400, 21211, f"Invalid 'To' Phone Number: {to}")
            if not from_:
                return twilio_error(400, 21603, "A 'From' phone number is required.")
            if from_ not in self.numbers:
                return twilio_error(
                    400,
                    21606,
                    f"The From phone number {from_} is not a valid, SMS-capable inbound phone number"
                    " or short code for your account.",
                )
            if not body:
                return twilio_error(400, 21602, "Message body is required.")
            if len(body) > 1600:
                return twilio_error(
                    400, 21617, "The concatenated message body exceeds the 1600 character limit."
                )
            if to in self.unsubscribed:
                return twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
            sid = "SM" + secrets.token_hex(16)
            self.sent.append(Sent(sid, to, from_, body, dict(request.headers)))
            return Reply.json(201, self._resource(sid, to, from_, body))

    def _resource(self, sid: str, to: str, from_: str, body: str) -> dict[str, Any]:
        now = formatdate(usegmt=True)
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": from_,
            "messaging_service_sid": None,
            "num_media": "0",
            "num_segments": str(max(1, -(-len(body) // 153))),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": to,
            "uri": uri,
        }


def twilio_error(status: int, code: int, message: str) -> Reply:
    return Reply.json(
        status,
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
    )
