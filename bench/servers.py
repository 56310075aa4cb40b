"""Start the real API (``crm api``) and the bare baseline app as subprocesses, and talk to them."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from common import REPO, VENV_BIN, BenchDatabase, note
from scenarios import Scenario, dump


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(
        self, name: str, argv: list[str], env: dict[str, str], port: int, health: str, log_dir: Path
    ):
        self.name, self.port, self.health = name, port, health
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{name}-{port}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            argv, env=env, stdout=self._log, stderr=subprocess.STDOUT, cwd=REPO, start_new_session=True
        )

    def wait_ready(self, timeout: float = 90) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", self.health)
                if conn.getresponse().status < 500:
                    return True
            except OSError:
                pass
            time.sleep(0.3)
        return False

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGINT)  # our own process group only
                self.proc.wait(15)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._log.close()


def start_api(db: BenchDatabase, *, workers: int = 1, log_dir: Path) -> Server:
    port = free_port()
    return Server(
        "api",
        [str(VENV_BIN / "crm"), "api", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        db.api_env(),
        port,
        "/healthz",
        log_dir,
    )


def start_bare(
    db: BenchDatabase,
    scenarios: list[Scenario],
    org: dict[str, Any],
    user_id: str,
    *,
    workers: int = 1,
    log_dir: Path,
) -> Server:
    port = free_port()
    config = {
        "conninfo": db.conninfo(),
        "org": org["id"],
        "user": user_id,
        "field_keys": org["field_ids"],
        "pool_size": db.settings.database_pool_size,
        "scenarios": dump(scenarios),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="bench-bare-", delete=False) as handle:
        handle.write(json.dumps(config))
    env = os.environ.copy()
    env["BENCH_BARE_CONFIG"] = handle.name
    argv = [
        str(VENV_BIN / "python"),
        "-m",
        "uvicorn",
        "bare_app:app",
        "--app-dir",
        str(REPO / "bench"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return Server("bare", argv, env, port, "/bare/none/none", log_dir)


def bare_url(scenario: Scenario) -> str:
    route = {"contacts_page": "contacts_page", "contact_one": "contact_one"}.get(scenario.kind, "rows")
    return f"/bare/{route}/{scenario.name}"


class Client:
    """One keep-alive HTTP/1.1 connection (the stdlib's: small, predictable overhead)."""

    def __init__(self, port: int, headers: dict[str, str] | None = None, pid: int | None = None) -> None:
        self.port = port
        self.headers = headers or {}
        self.pid = pid  # the server's process, for CPU time per request
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, url: str) -> tuple[int, bytes]:
        return self.request("GET", url)

    def request(self, method: str, url: str, json_body: Any = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        body = None
        if json_body is not None:
            body, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
        for attempt in (1, 2):
            try:
                self.conn.request(method, url, body=body, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, OSError):
                # The server closes idle keep-alive connections (uvicorn: after 5 s): reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a process and its threads so far (Linux /proc)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def openapi_paths(port: int) -> dict[str, Any] | None:
    try:
        status, body = Client(port).get("/api/v1/openapi.json")
    except OSError:
        return None
    if status != 200:
        return None
    return json.loads(body).get("paths", {})


def template(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


async def _issue_token(db: BenchDatabase, org_id: str, user_id: str) -> str:
    from crm.auth.service import start_session
    from crm.core.db import unit_of_work
    from crm.core.runtime import build_runtime
    from crm.models import Role

    runtime = build_runtime(db.settings, db.urls)
    try:
        async with unit_of_work(runtime.sessions) as session:
            issued = await start_session(
                session,
                runtime,
                user_id=uuid.UUID(user_id),
                organization_id=uuid.UUID(org_id),
                role=Role.admin,
                method="password",
                mfa=True,
                ip="127.0.0.1",
                user_agent="crm-bench",
            )
        return issued.access_token
    finally:
        await runtime.close()


def issue_token(db: BenchDatabase, org_id: str, user_id: str) -> str:
    """An access token for the bench admin, from the app's own session service (lives 15 minutes)."""
    return asyncio.run(_issue_token(db, org_id, user_id))


def admin_of(db: BenchDatabase, org: dict[str, Any]) -> str:
    import psycopg

    with psycopg.connect(db.conninfo(owner=True)) as conn:
        row = conn.execute(
            "SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id"
            " WHERE m.organization_id = %s AND m.role = 'admin' ORDER BY u.email LIMIT 1",
            (org["id"],),
        ).fetchone()
    if row is None:
        raise SystemExit("the bench organisation has no admin; reseed with --reset")
    note(f"bench admin: {row[0]}")
    return str(row[0])
