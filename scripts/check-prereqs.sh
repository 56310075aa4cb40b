#!/usr/bin/env bash
# Stops `make` early, naming what to install, when a prerequisite is missing.
set -euo pipefail
fail() { echo "error: $1" >&2; exit 1; }

command -v python3 >/dev/null || fail "python3 (3.11 or newer) is missing: apt-get install python3 python3-venv"
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || fail "python3 is $(python3 -V 2>&1); install Python 3.11 or newer"
python3 -c 'import venv, ensurepip' 2>/dev/null || fail "python3 venv support is missing: apt-get install python3-venv"
command -v node >/dev/null || fail "Node.js >= 20.19 is missing: install Node.js 20.19+ (with npm 11)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || fail "Node.js is $(node -v); Vite needs >= 20.19"
command -v npm >/dev/null || fail "npm 11 is missing: npm install -g npm@11"
[ "$(npm -v | cut -d. -f1)" -ge 11 ] || fail "npm is $(npm -v); install npm 11: npm install -g npm@11"
if [ "${1:-}" = "--browser" ]; then
  command -v chromium >/dev/null || [ -x /usr/bin/chromium ] \
    || fail "chromium is missing (browser tests drive it): apt-get install chromium"
fi
