"""The official `openai` SDK pointed at any OpenAI-compatible server, and its errors mapped to ours."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, NoReturn

from pydantic import SecretStr

from crm_ai.core.errors import AIError
from crm_ai.providers.errors import BadUpstreamAnswer, UpstreamRefused, UpstreamUnavailable

if TYPE_CHECKING:
    from openai import OpenAI

log = logging.getLogger("crm_ai.providers")

# Identifier-like values only: anything else in an error body could be a quote of the key or input.
_SAFE_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
# Busy or broken upstream: worth another try later (408 request timeout, 409 lock, 429 rate limit).
_TRANSIENT = frozenset({408, 409, 429})


def make_client(base_url: str, api_key: SecretStr | None, timeout_seconds: float) -> OpenAI:
    from openai import OpenAI

    # Self-hosted servers often take no key; the SDK insists on one (and would otherwise read
    # OPENAI_API_KEY from the environment, a key we were not given for this).
    key = api_key.get_secret_value() if api_key is not None else "not-needed"
    # One SDK retry (it honours Retry-After): the backend's own job retries handle longer outages.
    return OpenAI(base_url=base_url, api_key=key, timeout=timeout_seconds, max_retries=1)


def raise_mapped(exc: Exception, what: str, key_setting: str) -> NoReturn:
    """Re-raise an SDK exception as the service's typed error; `what` names the API for messages."""
    import openai

    if isinstance(exc, AIError):
        raise exc
    if isinstance(exc, openai.APITimeoutError):
        log.warning("upstream timed out", extra={"upstream": what})
        raise UpstreamUnavailable(f"the {what} API timed out") from None
    if isinstance(exc, openai.APIConnectionError):
        log.warning("upstream unreachable", extra={"upstream": what})
        raise UpstreamUnavailable(f"the {what} API cannot be reached") from None
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        ids = _error_ids(exc.body)
        log.warning("upstream error", extra={"upstream": what, "status": status, **ids})
        said = "".join(f", {k.removeprefix('upstream_')} {v}" for k, v in ids.items())
        if status >= 500 or status in _TRANSIENT:
            retry_after = _retry_after(exc)
            raise UpstreamUnavailable(f"the {what} API answered HTTP {status}{said}", retry_after) from None
        hint = f": check {key_setting}" if status in (401, 403) else ""
        raise UpstreamRefused(f"the {what} API refused the request (HTTP {status}{said}){hint}") from None
    if isinstance(exc, openai.APIResponseValidationError | openai.APIError):
        log.warning("upstream answer unreadable", extra={"upstream": what})
        raise BadUpstreamAnswer(f"the {what} API answered something not in its documented format") from None
    raise exc


def _error_ids(body: object) -> dict[str, str]:
    """`type` and `code` of an OpenAI error body `{"error": {"message", "type", "code"}}`, if safe."""
    error = body.get("error", body) if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return {}
    out = {}
    for name in ("type", "code"):
        value = error.get(name)
        if isinstance(value, str | int) and _SAFE_ID.fullmatch(str(value)):
            out[f"upstream_{name}"] = str(value)
    return out


def _retry_after(exc: Exception) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return float(value) / divisor
            except ValueError:
                return None
    return None
