"""Start the bench stack with the built web app and run the UI smoothness benchmark against it.

    backend/.venv/bin/python bench/ui_stack.py --scale 0.1    # 100,000 contacts per organisation
    backend/.venv/bin/python bench/ui_stack.py                # full scale (1,000,000)
    backend/.venv/bin/python bench/ui_stack.py --scale 0.1 --dist /tmp/dist --trace /tmp/traces

``--dist`` serves another build (say ``npx vite build --minify false --outDir /tmp/dist`` for
readable function names) and ``--trace`` records a Chromium trace per phase and prints what its
long tasks are made of (``bench/ui_trace.mjs``); tracing slows the page, so traced runs diagnose and
untraced runs measure.

Needs the bench data of that scale (``bench/seed.py --scale ...``) and a built web app
(``cd web && npm run build``). Serves ``web/dist`` from ``crm api`` on a free port, signs in as the
first bench organisation's admin and runs ``bench/ui_smoothness.mjs`` (its JSON lines go to stdout
and to the run's results file). The board drags move cards to the next stage and back.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from common import (
    ADMIN_PASSWORD,
    ORG_SLUGS,
    REPO,
    VENV_BIN,
    BenchDatabase,
    emit,
    ensure_backend_on_path,
    note,
)
from servers import Server, free_port

ensure_backend_on_path()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1")))
    parser.add_argument("--drags", type=int, default=12)
    parser.add_argument("--scroll-steps", type=int, default=240)
    parser.add_argument("--dist", type=Path, default=REPO / "web" / "dist", help="the built web app to serve")
    parser.add_argument("--trace", default="", help="a folder for a Chromium trace per phase")
    parser.add_argument("--only", default="list,board", help="phases: list, board")
    args = parser.parse_args(argv)

    dist = args.dist.resolve()
    if not (dist / "index.html").is_file():
        emit(
            {
                "bench": "ui_smoothness",
                "status": "skipped",
                "reason": "build the web app first: cd web && npm run build",
            }
        )
        return 1
    db = BenchDatabase(args.scale)
    env = db.api_env()
    # The bench API normally serves no web app; this one serves the built SPA beside the API.
    env["CRM_WEB_DIST_DIR"] = str(dist)
    port = free_port()
    server = Server(
        "ui-api",
        [str(VENV_BIN / "crm"), "api", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env,
        port,
        "/healthz",
        REPO / ".data" / "bench" / "logs",
    )
    try:
        if not server.wait_ready(120):
            note(server.log_tail())
            emit({"bench": "ui_smoothness", "status": "error", "reason": "the API did not start"})
            return 1
        email = f"admin@{ORG_SLUGS[0]}.bench.example"
        note(f"UI bench against http://127.0.0.1:{port} as {email} ({db.name})")
        code = subprocess.run(
            [
                "node",
                str(REPO / "bench" / "ui_smoothness.mjs"),
                "--base-url",
                f"http://127.0.0.1:{port}",
                "--email",
                email,
                "--password",
                ADMIN_PASSWORD,
                "--drags",
                str(args.drags),
                "--scroll-steps",
                str(args.scroll_steps),
                "--only",
                args.only,
                *(["--trace", args.trace] if args.trace else []),
            ],
            cwd=REPO,
            env={**os.environ},
        ).returncode
        return code
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
