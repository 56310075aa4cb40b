"""What every benchmark shares: the bench settings, the bench database, JSON output, percentiles.

The bench data lives in its own embedded PostgreSQL data folder (``.data/bench``), one
database per scale (``crm_bench`` at full scale, ``crm_bench_s0_01`` at ``--scale 0.01``),
so a quick run never disturbs the full data set and neither touches ``make run``'s data.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BACKEND = REPO / "backend"
VENV_BIN = BACKEND / ".venv" / "bin"
DATA_DIR = REPO / ".data" / "bench"
RESULTS_DIR = REPO / "bench" / "results"
SEED_SCHEMA = "bench"  # seed bookkeeping, in the bench database only (never in the app's schema)

ORG_SLUGS = ("bench-a", "bench-b")
ADMIN_PASSWORD = "Bench-seed-only-2026!"  # bench data only; printed in the docs on purpose


def database_name(scale: float) -> str:
    if scale == 1:
        return "crm_bench"
    return "crm_bench_s" + f"{scale:g}".replace(".", "_").replace("-", "m")


def bench_settings(**overrides: Any) -> Any:
    """The backend's settings pointed at the bench data folder (keys, master key, database)."""
    from crm.core.config import load_settings

    values: dict[str, Any] = {
        "data_dir": DATA_DIR,
        "log_level": "WARNING",
        "web_dist_dir": REPO / "web" / "dist-absent-in-bench",
    }
    values.update(overrides)
    return load_settings(**values)


class BenchDatabase:
    """The embedded server of ``.data/bench`` (started on demand) and libpq conninfo for it."""

    def __init__(self, scale: float) -> None:
        from crm.core.db import resolve_urls
        from crm.core.embedded_postgres import socket_dir_of

        self.scale = scale
        self.name = database_name(scale)
        self.settings = bench_settings()
        # Starts (or joins) the server and creates the database when missing.
        self.urls = resolve_urls(self.settings, database=self.name)
        self.socket_dir = socket_dir_of(self.settings.data_dir / "pg")
        self.app_role = self.settings.database_app_role

    def conninfo(self, *, owner: bool = False) -> str:
        user = "postgres" if owner else self.app_role
        # In UTC as the app's sessions are (crm.core.db.make_engine), so the floors read
        # timestamps the same way the API does.
        return f"host={self.socket_dir} dbname={self.name} user={user} options='-c TimeZone=UTC'"

    def api_env(self) -> dict[str, str]:
        """Environment for ``crm api`` serving this database (no code change needed: URLs win over
        the embedded default, and the data folder supplies the same master and JWT keys)."""
        env = os.environ.copy()
        env.update(
            {
                "CRM_DATA_DIR": str(DATA_DIR),
                "CRM_DATABASE_URL": f"postgresql://postgres@/{self.name}?host={self.socket_dir}",
                "CRM_DATABASE_APP_URL": f"postgresql://{self.app_role}@/{self.name}?host={self.socket_dir}",
                "CRM_WEB_DIST_DIR": str(REPO / "web" / "dist-absent-in-bench"),
                "CRM_RUN_WORKER_IN_PROCESS": "false",
            }
        )
        return env


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary_ms(samples_s: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 0.50), 3),
        "p95_ms": round(percentile(ms, 0.95), 3),
        "p99_ms": round(percentile(ms, 0.99), 3),
        "mean_ms": round(statistics.fmean(ms), 3) if ms else float("nan"),
    }


def machine() -> dict[str, Any]:
    """Where a figure was taken; the load average says how shared the machine was at the time."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "host": platform.node(),
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }


_results_file: Path | None = None


def results_file() -> Path | None:
    return _results_file


def open_results(prefix: str) -> Path:
    """Start a JSON-lines results file under bench/results/ (also used by child scripts via env)."""
    global _results_file
    inherited = os.environ.get("CRM_BENCH_RESULTS")
    if inherited:
        _results_file = Path(inherited)
    else:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        _results_file = RESULTS_DIR / f"{prefix}-{stamp}.jsonl"
    return _results_file


def emit(record: dict[str, Any]) -> None:
    """One JSON object per result: to stdout, and to the results file when one is open."""
    record = {"ts": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **record}
    line = json.dumps(record, default=str, separators=(",", ":"))
    print(line, flush=True)
    target = _results_file or (
        Path(os.environ["CRM_BENCH_RESULTS"]) if os.environ.get("CRM_BENCH_RESULTS") else None
    )
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


def note(message: str) -> None:
    """Progress for humans, on stderr so stdout stays JSON lines."""
    print(message, file=sys.stderr, flush=True)


def ensure_backend_on_path() -> None:
    if str(BACKEND) not in sys.path:
        sys.path.insert(0, str(BACKEND))
