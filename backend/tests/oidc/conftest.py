"""A real OpenID provider on loopback (the npm package ``oidc-provider``), organisations that use it,
and a browser that walks the authorization code flow through it.

The provider runs from ``tests/oidc/provider`` with ``node`` (``npm ci`` first when its
node_modules are missing). Without node the tests skip, or fail when ``CRM_REQUIRE_SERVICES=1``.
The only fake here is DNS: domain verification asks a resolver, which these tests answer.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import shutil
import ssl
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from crm.auth import permissions
from crm.core.config import Settings
from crm.core.runtime import Runtime
from crm.models import Role
from crm.oidc import client as oidc_client_module
from crm.oidc.admin import redirect_uri
from tests.fixtures.people import Tenant, bearer, make_tenant, token_for

PROVIDER_DIR = os.path.join(os.path.dirname(__file__), "provider")
CLIENT_SECRET = "a-long-client-secret-for-the-loopback-provider"
_TLS = ssl.create_default_context()  # built once: each new one reads the CA bundle


def _register_permission_cells() -> None:
    """Until the "oidc" cells join crm/auth/permissions.py, declare them here (a no-op afterwards)."""
    if "oidc" in permissions.RESOURCES:
        return
    actions = frozenset(
        {
            permissions.Action.read,
            permissions.Action.create,
            permissions.Action.update,
            permissions.Action.delete,
        }
    )
    permissions.RESOURCES["oidc"] = actions  # type: ignore[index]
    for action in actions:
        permissions.DEFAULTS[Role.admin][("oidc", action)] = permissions.Scope.all  # type: ignore[index]


_register_permission_cells()

from crm.oidc.endpoints import router as oidc_router  # noqa: E402
from crm.oidc.endpoints import txt_resolver  # noqa: E402

# --- the provider process -------------------------------------------------------------------


@dataclass
class LoopbackProvider:
    issuer: str
    client_id: str
    conform_id_token_claims: bool

    async def rotate_keys(self, *, keep_old: bool) -> str:
        async with httpx.AsyncClient(verify=_TLS) as http:
            response = await http.post(f"{self.issuer}/__harness/rotate-keys", json={"keep_old": keep_old})
            response.raise_for_status()
            return str(response.json()["kid"])


def _node_available() -> bool:
    return shutil.which("node") is not None and shutil.which("npm") is not None


def _ensure_node_modules() -> None:
    if os.path.isdir(os.path.join(PROVIDER_DIR, "node_modules", "oidc-provider")):
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=PROVIDER_DIR,
        check=True,
        timeout=600,
        stdout=subprocess.DEVNULL,
    )


@contextlib.contextmanager
def loopback_provider(
    settings: Settings, client_id: str, *, clock_skew_s: int = 0, conform: bool = True, timeout: float = 90.0
) -> Iterator[LoopbackProvider]:
    if not _node_available():
        message = "node and npm are needed to run the loopback OpenID provider"
        if os.environ.get("CRM_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    _ensure_node_modules()
    config = {
        "clients": [
            {
                "client_id": client_id,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [redirect_uri(settings)],
            }
        ],
        "clockSkewSeconds": clock_skew_s,
        "conformIdTokenClaims": conform,
        "idTokenTtl": 60,
    }
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            ["node", "provider.mjs", json.dumps(config)],
            cwd=PROVIDER_DIR,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        try:
            assert process.stdout is not None
            ready, _, _ = select.select([process.stdout], [], [], timeout)
            line = process.stdout.readline() if ready else b""
            if not line:
                process.kill()
                stderr.seek(0)
                raise RuntimeError(f"the OpenID provider did not start: {stderr.read().decode()[-1000:]}")
            yield LoopbackProvider(json.loads(line)["issuer"], client_id, conform)
        finally:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def idp(settings: Settings) -> Iterator[LoopbackProvider]:
    """The organisations' own provider; scope claims come from userinfo (the spec's default)."""
    with loopback_provider(settings, "crm-clinic") as provider:
        yield provider


@pytest.fixture(scope="session")
def hostile_idp(settings: Settings) -> Iterator[LoopbackProvider]:
    """A provider run by a hostile organisation; it puts e-mail claims straight in the id token."""
    with loopback_provider(settings, "crm-hostile", conform=False) as provider:
        yield provider


@pytest.fixture(scope="session")
def skewed_idp(settings: Settings) -> Iterator[LoopbackProvider]:
    """A provider whose clock is ten minutes slow: its id tokens (60 s) arrive expired."""
    with loopback_provider(settings, "crm-skewed", clock_skew_s=-600) as provider:
        yield provider


@pytest.fixture(autouse=True)
def fresh_provider_caches() -> Iterator[None]:
    oidc_client_module.forget_cached()
    yield
    oidc_client_module.forget_cached()


# --- DNS, the one faked boundary ------------------------------------------------------------


@dataclass
class FakeDns:
    records: dict[str, list[str]] = field(default_factory=dict)
    queries: list[str] = field(default_factory=list)

    async def txt(self, name: str) -> list[str]:
        self.queries.append(name)
        return list(self.records.get(name, []))

    def publish(self, name: str, value: str) -> None:
        self.records.setdefault(name, []).append(value)


@pytest.fixture
def dns() -> FakeDns:
    return FakeDns()


@pytest.fixture
async def api(runtime: Runtime, dns: FakeDns) -> AsyncIterator[httpx.AsyncClient]:
    """The app (with the OIDC router, mounted here until crm/api.py includes it) and a browser for it."""
    from crm.app import create_app

    app = create_app(runtime.settings, runtime)
    if not any(getattr(route, "path", "") == "/api/v1/auth/oidc/callback" for route in app.routes):
        app.include_router(oidc_router, prefix="/api/v1")
    app.dependency_overrides[txt_resolver] = lambda: dns
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://testserver"
    ) as browser:
        yield browser


# --- organisations that sign in with a provider ---------------------------------------------


@dataclass
class Clinic:
    tenant: Tenant
    slug: str
    domain: str
    admin_token: str
    provider_id: uuid.UUID | None = None

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.admin_token)


def domain_of(tenant: Tenant) -> str:
    return tenant.people[Role.admin].email.rsplit("@", 1)[1]


async def clinic(db: AsyncSession, api: httpx.AsyncClient, name: str) -> Clinic:
    tenant = await make_tenant(db, name)
    token = await token_for(api, tenant.people[Role.admin])
    api.cookies.clear()  # the admin works through the API; the browser's jar stays someone else's
    return Clinic(tenant, f"org-{tenant.id.hex[:12]}", domain_of(tenant), token)


async def add_provider(
    api: httpx.AsyncClient, org: Clinic, idp: LoopbackProvider, **overrides: Any
) -> dict[str, Any]:
    body = {
        "kind": "oidc",
        "name": f"SSO {uuid.uuid4().hex[:6]}",
        "issuer": idp.issuer,
        "client_id": idp.client_id,
        "client_secret": CLIENT_SECRET,
        **overrides,
    }
    response = await api.post("/api/v1/identity-providers", json=body, headers=org.admin)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    org.provider_id = uuid.UUID(created["id"])
    return created


async def verify_domain(api: httpx.AsyncClient, org: Clinic, dns: FakeDns, domain: str | None = None) -> None:
    added = await api.post("/api/v1/email-domains", json={"domain": domain or org.domain}, headers=org.admin)
    assert added.status_code == 201, added.text
    dns.publish(added.json()["txt_record_name"], added.json()["txt_record_value"])
    verified = await api.post(f"/api/v1/email-domains/{added.json()['id']}/verify", headers=org.admin)
    assert verified.status_code == 200 and verified.json()["verified"], verified.text


@pytest.fixture
async def alpha(db: AsyncSession, api: httpx.AsyncClient, idp: LoopbackProvider, dns: FakeDns) -> Clinic:
    """Alpha Clinics: its own provider, its own domain verified."""
    org = await clinic(db, api, "Alpha Clinics")
    await add_provider(api, org, idp)
    await verify_domain(api, org, dns)
    return org


# --- the browser's walk through the provider ------------------------------------------------


@dataclass
class Account:
    """What the person types at the provider's login form (the harness turns it into their claims)."""

    email: str | None
    sub: str = field(default_factory=lambda: f"sub-{uuid.uuid4().hex}")
    email_verified: bool = True
    name: str = "Dana Example"
    amr: str = "pwd"

    def form(self) -> dict[str, str]:
        form = {"sub": self.sub, "name": self.name, "amr": self.amr}
        if self.email is not None:
            form |= {"email": self.email, "email_verified": "true" if self.email_verified else "false"}
        return form


async def start(api: httpx.AsyncClient, org: Clinic) -> httpx.Response:
    return await api.get(f"/api/v1/auth/oidc/{org.slug}/{org.provider_id}/start")


async def authorize(authorization_url: str, account: Account, callback_prefix: str) -> str:
    """Log in at the provider like a browser would; return the callback URL it redirects to."""
    async with httpx.AsyncClient(timeout=10, verify=_TLS) as browser:
        response = await browser.get(authorization_url)
        for _ in range(10):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if location.startswith(callback_prefix):
                    return location
                response = await browser.get(location)
                continue
            assert response.status_code == 200, response.text
            action = re.search(r'action="([^"]+)"', response.text)
            assert action is not None, response.text
            response = await browser.post(urljoin(str(response.url), action.group(1)), data=account.form())
        raise AssertionError("the provider never redirected back")


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


async def sign_in_with(
    api: httpx.AsyncClient, org: Clinic, account: Account, settings: Settings
) -> httpx.Response:
    """The whole flow: start at the CRM, log in at the provider, come back to the callback."""
    started = await start(api, org)
    assert started.status_code == 302, started.text
    callback = await authorize(started.headers["location"], account, redirect_uri(settings))
    return await api.get(callback_path(callback))


async def refresh(api: httpx.AsyncClient) -> httpx.Response:
    return await api.post("/api/v1/auth/refresh", headers={"x-csrf-token": api.cookies.get("crm_csrf") or ""})


def web_url(settings: Settings, path: str) -> str:
    return str(settings.public_url).rstrip("/") + path
