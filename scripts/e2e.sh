#!/usr/bin/env bash
# Browser tests: serve the built app on a free port with its own embedded database, run the
# web app's e2e suite against it, stop the server.
set -euo pipefail
cd "$(dirname "$0")/.."
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# Every suite signs in from 127.0.0.1: lift the per-IP sign-in budget (accounts keep their lockout).
export CRM_DATA_DIR="${CRM_E2E_DATA_DIR:-$PWD/.data/e2e}" CRM_LOG_LEVEL=WARNING CRM_SIGNIN_ATTEMPTS_PER_IP=10000
mkdir -p "$CRM_DATA_DIR"
backend/.venv/bin/crm run --port "$port" --no-ai >"$CRM_DATA_DIR/server.log" 2>&1 &
server=$!
trap 'kill -INT $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { cat "$CRM_DATA_DIR/server.log"; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { echo "server not ready"; cat "$CRM_DATA_DIR/server.log"; exit 1; }
cd web && CRM_E2E_BASE_URL="http://127.0.0.1:$port" npm run --silent test:e2e
