"""Fakes of the e-mail and SMS vendors on loopback ports, driven by the vendors' own SDKs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.fakes.http import serve
from tests.fakes.sendgrid import FakeSendGrid

SENDGRID_KEY = "SG.test-key.0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass
class SendGridServer:
    api: FakeSendGrid
    base_url: str


@pytest.fixture
def sendgrid_server() -> Iterator[SendGridServer]:
    api = FakeSendGrid(SENDGRID_KEY)
    with serve(api) as base_url:
        yield SendGridServer(api, base_url)
