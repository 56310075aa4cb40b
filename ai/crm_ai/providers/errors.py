"""What a remote model API's failure becomes for our caller.

The upstream's own error message is never passed on or logged: OpenAI's 401 message quotes part of
the API key, and other servers echo the input (personal data). Only its HTTP status and its short
`type`/`code` identifiers travel.
"""

from __future__ import annotations

import math
from typing import ClassVar

from crm_ai.core.errors import AIError

DEFAULT_RETRY_AFTER = 5
# Longer waits are the upstream's quota window, not a blip: our caller's own back-off takes over.
MAX_RETRY_AFTER = 120


class UpstreamUnavailable(AIError):
    """The remote API is down, slow, overloaded or rate-limiting us: try again later."""

    status_code = 503
    code = "upstream_unavailable"
    headers: ClassVar[dict[str, str] | None] = {"Retry-After": str(DEFAULT_RETRY_AFTER)}

    def __init__(self, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        seconds = DEFAULT_RETRY_AFTER
        if retry_after is not None and math.isfinite(retry_after) and retry_after > 0:
            seconds = min(MAX_RETRY_AFTER, math.ceil(retry_after))
        self.retry_after = seconds
        # Per instance: the handler renders `exc.headers`, and the upstream may name its own wait.
        setattr(self, "headers", {"Retry-After": str(seconds)})  # noqa: B010 - a ClassVar for mypy


class UpstreamRefused(AIError):
    """The remote API refused the request (bad key, unknown model, a parameter it does not take):
    a configuration problem here, not something the caller can fix by retrying."""

    status_code = 502
    code = "upstream_refused"


class BadUpstreamAnswer(AIError):
    """The remote API answered something we cannot use (wrong count, order, dimension, shape)."""

    status_code = 502
    code = "bad_upstream_answer"
