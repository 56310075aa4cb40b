"""Parse a user agent into browser / OS / device, and fingerprint a device for new-device alerts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ua_parser import parse


@dataclass(frozen=True)
class Device:
    browser: str | None
    os: str | None
    device: str | None
    fingerprint: str


def describe(user_agent: str | None) -> Device:
    user_agent = (user_agent or "")[:512]
    result = parse(user_agent) if user_agent else None
    browser = result.user_agent.family if result and result.user_agent else None
    os_name = result.os.family if result and result.os else None
    device = result.device.family if result and result.device else None
    if device == "Other":
        device = None
    if browser == "Other":
        browser = None
    # Coarse on purpose: a browser update must not look like a new device.
    basis = f"{browser or '?'}|{os_name or '?'}|{device or '?'}"
    return Device(browser, os_name, device, hashlib.sha256(basis.encode()).hexdigest()[:32])
