"""A fake of SendGrid's v3 Mail Send API (``POST /v3/mail/send``), checked the way SendGrid checks:

- ``Authorization: Bearer <API key>``, else 401 with SendGrid's error body;
- a JSON body with ``personalizations`` (1-1000, each with 1+ ``to`` of valid addresses), ``from.email``
  (valid), a ``subject`` (top level or in every personalization), and ``content`` (1+ of ``type`` +
  non-empty ``value``, ``text/plain`` before ``text/html``), else 400 naming each field;
- 202 with an empty body and an ``X-Message-Id`` header on success;
- 429 with ``X-RateLimit-*`` headers while ``rate_limited`` is above zero, and ``fail_with`` (e.g. 503)
  to play an outage. Errors are ``{"errors": [{"message", "field", "help"}]}`` as SendGrid sends them.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.http import Reply, Request

ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
INVALID_GRANT = "The provided authorization grant is invalid, expired, or revoked"


@dataclass
class Accepted:
    message_id: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class FakeSendGrid:
    api_key: str
    accepted: list[Accepted] = field(default_factory=list)
    requests: int = 0
    rate_limited: int = 0  # the next n sends get a 429
    fail_with: int | None = None  # every send gets this status (5xx outage) while set
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, request: Request) -> Reply:
        with self._lock:
            self.requests += 1
            if (request.method, request.path) != ("POST", "/v3/mail/send"):
                return error(404, "Not Found")
            if request.headers.get("authorization") != f"Bearer {self.api_key}":
                return error(401, INVALID_GRANT)
            if self.fail_with is not None:
                return error(self.fail_with, "Service Unavailable")
            if self.rate_limited > 0:
                self.rate_limited -= 1
                reset = str(int(time.time()) + 60)
                headers = {
                    "X-RateLimit-Limit": "600",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": reset,
                }
                return Reply.json(429, {"errors": [{"field": None, "message": "too many requests"}]}, headers)
            if not request.headers.get("content-type", "").startswith("application/json"):
                return error(415, "Content-Type should be application/json.")
            try:
                body = json.loads(request.body)
            except ValueError:
                return error(400, "Bad Request")
            problems = validate(body) if isinstance(body, dict) else [(None, "Bad Request")]
            if problems:
                return Reply.json(
                    400, {"errors": [{"message": m, "field": f, "help": None} for f, m in problems]}
                )
            message_id = secrets.token_urlsafe(16)[:22]
            self.accepted.append(Accepted(message_id, body, dict(request.headers)))
            return Reply(202, b"", {"X-Message-Id": message_id})


def error(status: int, message: str) -> Reply:
    return Reply.json(status, {"errors": [{"field": None, "message": message, "help": None}]})


def validate(body: dict[str, Any]) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    personalizations = body.get("personalizations")
    if not isinstance(personalizations, list) or not 1 <= len(personalizations) <= 1000:
        problems.append(
            (
                "personalizations",
                "The personalizations field is required and must have at least one personalization.",
            )
        )
        personalizations = []
    for n, personalization in enumerate(personalizations):
        to = personalization.get("to") if isinstance(personalization, dict) else None
        if not isinstance(to, list) or not to:
            problems.append(
                (
                    f"personalizations.{n}.to",
                    "The to array is required for all personalization objects, and must have at least one email object with a valid email address.",
                )
            )
            continue
        for m, recipient in enumerate(to):
            if not isinstance(recipient, dict) or not ADDRESS.match(str(recipient.get("email", ""))):
                problems.append((f"personalizations.{n}.to.{m}.email", "Does not contain a valid address."))
    sender = body.get("from")
    if not isinstance(sender, dict) or "email" not in sender:
        problems.append(("from.email", "The from object must be provided for every email send."))
    elif not ADDRESS.match(str(sender["email"])):
        problems.append(("from.email", "The from email does not contain a valid address."))
    subject = body.get("subject")
    every_has_subject = bool(personalizations) and all(
        isinstance(p, dict) and p.get("subject") for p in personalizations
    )
    if not (isinstance(subject, str) and subject.strip()) and not every_has_subject:
        problems.append(
            (
                "subject",
                "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.",
            )
        )
    content = body.get("content")
    if not isinstance(content, list) or not content:
        problems.append(
            (
                "content",
                "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.",
            )
        )
    else:
        types = [c.get("type") if isinstance(c, dict) else None for c in content]
        for n, block in enumerate(content):
            if not isinstance(block, dict) or not block.get("type") or not block.get("value"):
                problems.append(
                    (f"content.{n}", "The content value must be a string at least one character in length.")
                )
        if "text/plain" in types and types.index("text/plain") != 0:
            problems.append(
                (
                    "content",
                    "If present, text/plain content must be first, followed by text/html, followed by any other content.",
                )
            )
    return problems
