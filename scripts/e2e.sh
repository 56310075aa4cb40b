#!/usr/bin/env bash
# Browser tests: serve the built app on a free port with its own embedded database and the AI
# service beside it (as `crm run` starts them), run the web app's e2e suite against it, stop both.
set -euo pipefail
cd "$(dirname "$0")/.."
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
# Every suite signs in from 127.0.0.1: lift the per-IP sign-in budget (accounts keep their lockout).
export CRM_DATA_DIR="${CRM_E2E_DATA_DIR:-$PWD/.data/e2e}" CRM_LOG_LEVEL=WARNING CRM_SIGNIN_ATTEMPTS_PER_IP=10000
mkdir -p "$CRM_DATA_DIR"
# The AI panels are tested with real model output (e2e/ai.test.mjs): crm run starts the AI service
# when it is installed; without it the AI suite fails and says why.
ai_args=(--no-ai)
if [ -x ai/.venv/bin/crm-ai ]; then
  ai_port=$(free_port)
  ai_args=(--ai-port "$ai_port")
  export CRM_E2E_AI_URL="http://127.0.0.1:$ai_port"
fi
backend/.venv/bin/crm run --port "$port" "${ai_args[@]}" >"$CRM_DATA_DIR/server.log" 2>&1 &
server=$!
trap 'kill -INT $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { cat "$CRM_DATA_DIR/server.log"; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null || { echo "server not ready"; cat "$CRM_DATA_DIR/server.log"; exit 1; }
if [ -n "${CRM_E2E_AI_URL:-}" ]; then
  # Its models load in the background after start (about 10-30 s here); /readyz turns 200 when done.
  for _ in $(seq 1 180); do
    curl -fsS "$CRM_E2E_AI_URL/readyz" >/dev/null 2>&1 && break
    kill -0 $server 2>/dev/null || { cat "$CRM_DATA_DIR/server.log"; exit 1; }
    sleep 0.5
  done
  curl -fsS "$CRM_E2E_AI_URL/readyz" >/dev/null || { echo "AI service not ready"; cat "$CRM_DATA_DIR/server.log"; exit 1; }
fi
cd web && CRM_E2E_BASE_URL="http://127.0.0.1:$port" npm run --silent test:e2e
