#!/usr/bin/env bash
# GraphQL over HTTP conformance: every server audit of graphql-http (npm, pinned with its
# package-lock.json in checks/graphql-http/) against a freshly served gongkai with the real data
# on SQLite. Fails unless all 61 audits pass. Bounded: a 5-minute cap.
#
#   checks/graphql-http.sh
#
# The node_modules live in checks/graphql-http/node_modules (ignored by git) and are reused;
# delete them to reinstall from the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d checks/graphql-http/node_modules ]; then
  npm ci --silent --prefix checks/graphql-http
fi
cargo build --quiet --bin gongkai

dir=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
target/debug/gongkai --database-url "sqlite://$dir/checks.db?mode=rwc" serve --bind "127.0.0.1:$port" >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/serve.log" >&2; exit 1; }
  sleep 0.5
done
timeout 300 node checks/graphql-http/audit.mjs "http://127.0.0.1:$port/graphql"
