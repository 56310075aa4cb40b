"""Fixtures: the app with this feature's routers, an HTTP client, and signing in by principal."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from crm.core.runtime import Runtime
from tests.flags.support import SignIn, build_app, sign_in_on


@pytest.fixture
def app(runtime: Runtime) -> FastAPI:
    return build_app(runtime)


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


@pytest.fixture
def sign_in(app: FastAPI) -> SignIn:
    return sign_in_on(app)
