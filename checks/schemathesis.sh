#!/usr/bin/env bash
# OpenAPI conformance: schemathesis (PyPI) against a freshly served gongkai with the real data on
# SQLite, every check on. Bounded: at most 20 examples per operation and a 15-minute cap.
#
#   checks/schemathesis.sh
#
# The venv lives in target/checks-venv (override with GONGKAI_CHECKS_VENV) and is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${GONGKAI_CHECKS_VENV:-target/checks-venv}
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "schemathesis>=4,<5"
fi
cargo build --quiet --bin gongkai

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The public corrections endpoint is exercised without its rate limit (tests/tests/admin.rs
# checks the limit); the admin API is called without a token, so every admin operation must
# answer with its documented 401 (schemathesis' ignored_auth check).
target/debug/gongkai --database-url "sqlite://$dir/checks.db?mode=rwc" serve --bind "127.0.0.1:$port" \
  --corrections-per-hour 0 >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/serve.log" >&2; exit 1; }
  sleep 0.5
done
timeout 900 "$venv/bin/schemathesis" run openapi.json --url "http://127.0.0.1:$port" \
  --checks all --max-examples 20 --no-color
