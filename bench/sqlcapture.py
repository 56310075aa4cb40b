"""Capture the SQL one API request runs (from the bench server's own log), and replay it.

The bench server is ours alone, so for one request we switch on
``log_min_duration_statement = 0`` (a reload reaches open connections too), send the
request, and read back the app role's statements with their server-side durations and
parameters. That gives the number of statements per request and the *exact* SQL floor of
the request: the same statements, same parameters, replayed back to back on one psycopg
connection (``sql_replay``), beside the lean hand-written floor (``sql``).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_PREFIX = "%m [%p] <%u> "
_ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] <([^>]*)> (\w+):  (.*)$")
_DURATION = re.compile(r"^duration: ([\d.]+) ms(?:  (statement|parse|bind|execute)( [^:]*)?: (.*))?$", re.S)
_PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")


@dataclass
class Captured:
    kind: str  # statement | execute
    sql: str
    ms: float  # execute (or simple statement) time; parse/bind added separately
    params: dict[int, str | None]
    overhead_ms: float = 0.0  # parse + bind of this statement

    def literal_sql(self) -> str:
        """The statement with its parameters inlined as literals (they are logged as SQL literals)."""
        if not self.params:
            return self.sql

        def sub(m: re.Match[str]) -> str:
            value = self.params.get(int(m.group(1)))
            return "NULL" if value is None else value

        return re.sub(r"\$(\d+)\b", sub, self.sql)


def _entries(text: str) -> list[tuple[str, str, str, str]]:
    out: list[list[str]] = []
    for line in text.splitlines():
        m = _ENTRY.match(line)
        if m:
            out.append(list(m.groups()))
        elif out:
            out[-1][3] += "\n" + line
    return [tuple(e) for e in out]  # type: ignore[misc]


def parse(text: str, role: str) -> list[Captured]:
    statements: list[Captured] = []
    pending_overhead = 0.0
    last_phase = ""
    for _pid, user, level, message in _entries(text):
        if user != role:
            continue
        if level == "LOG":
            m = _DURATION.match(message)
            if not m:
                last_phase = ""
                continue
            ms, phase, sql = float(m.group(1)), m.group(2), m.group(4)
            last_phase = phase or ""
            if phase in ("parse", "bind"):
                pending_overhead += ms
                continue
            if phase is None:  # a duration logged without text: belongs to the last statement
                if statements:
                    statements[-1].ms += ms
                continue
            statements.append(Captured(phase, sql.strip(), ms, {}, pending_overhead))
            pending_overhead = 0.0
        elif level == "DETAIL" and last_phase == "execute" and message.lower().startswith("parameters:"):
            # bind and execute both log the parameters; keep the execute's, which follows its statement
            statements[-1].params = {int(n): (None if v == "NULL" else v) for n, v in _PARAM.findall(message)}
    return statements


def capture(owner_conn: Any, log_path: Path, role: str, send: Any) -> list[Captured]:
    """Run ``send()`` (one request) with statement logging on; the app role's statements it caused."""
    owner_conn.execute("ALTER SYSTEM SET log_min_duration_statement = 0")
    owner_conn.execute(f"ALTER SYSTEM SET log_line_prefix = '{_PREFIX}'")
    owner_conn.execute("SELECT pg_reload_conf()")
    time.sleep(0.5)
    start = log_path.stat().st_size
    try:
        send()
        time.sleep(0.5)
    finally:
        owner_conn.execute("ALTER SYSTEM RESET log_min_duration_statement")
        owner_conn.execute("ALTER SYSTEM RESET log_line_prefix")
        owner_conn.execute("SELECT pg_reload_conf()")
    with log_path.open("rb") as handle:
        handle.seek(start)
        text = handle.read().decode(errors="replace")
    return parse(text, role)


def summarize(statements: list[Captured]) -> dict[str, Any]:
    queries = [s for s in statements if s.sql.upper() not in ("BEGIN", "COMMIT", "ROLLBACK")]
    return {
        "statements": len(statements),
        "queries": len(queries),  # without BEGIN/COMMIT
        "server_ms_total": round(sum(s.ms + s.overhead_ms for s in statements), 3),
        "list": [
            {"ms": round(s.ms + s.overhead_ms, 3), "sql": re.sub(r"\s+", " ", s.sql)[:240]}
            for s in statements
        ],
    }


def replay(conn: Any, statements: list[Captured]) -> None:
    """The captured statements, literal parameters inlined, on one autocommit psycopg connection
    (the captured BEGIN/COMMIT make it the same transaction)."""
    for s in statements:
        conn.execute(s.literal_sql())
