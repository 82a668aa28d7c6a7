#!/usr/bin/env bash
# Catalog standards conformance, with the public tools (PyPI, in a venv) against a freshly served
# gongkai with the real data on SQLite:
#   - frictionless: every dataset's datapackage.json (by URL) and its CSV downloads are valid, on
#     the real data and on a small synthetic set that fills every table;
#   - pyshacl: /catalog.jsonld has 0 violations of the DCAT-AP 3.0.1 core shapes and class ranges
#     (checks/dcat-ap/3.0.1/); the recommended shapes' warnings are reported;
#   - ckanapi: package_list, package_show, package_search, organization_list, organization_show.
# Bounded: every tool runs under `timeout`.
#
#   checks/standards.sh
#
# The venv lives in target/checks-venv (override with GONGKAI_CHECKS_VENV) and is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${GONGKAI_CHECKS_VENV:-target/checks-venv}
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
if [ ! -x "$venv/bin/frictionless" ] || [ ! -x "$venv/bin/pyshacl" ] || [ ! -x "$venv/bin/ckanapi" ]; then
  "$venv/bin/pip" install --quiet "frictionless>=5,<6" "pyshacl>=0.26,<1" "ckanapi>=4,<5"
fi
cargo build --quiet --bin gongkai

dir=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"' EXIT
# Serve a database on a free port; sets $url.
serve() {
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  target/debug/gongkai --database-url "$1" serve --bind "127.0.0.1:$port" >"$dir/serve-$port.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$dir/serve-$port.log" >&2; exit 1; }
    sleep 0.5
  done
  url="http://127.0.0.1:$port"
}
serve "sqlite://$dir/checks.db?mode=rwc"
status=0
fail() { echo "FAILED: $*" >&2; status=1; }

echo "== ckanapi (CKAN Action API)"
ck() { timeout 60 "$venv/bin/ckanapi" action "$@" -r "$url" >"$dir/ck.json" || { fail "ckanapi action $*"; return 1; }; }
if ck package_list; then
  slugs=$("$venv/bin/python" -c 'import json, sys; print(" ".join(json.load(open(sys.argv[1]))))' "$dir/ck.json")
  echo "package_list: $slugs"
  [ -n "$slugs" ] || fail "package_list is empty"
else
  slugs=""
fi
for slug in $slugs; do
  ck package_show "id=$slug" && "$venv/bin/python" - "$dir/ck.json" "$slug" <<'PY' || fail "package_show id=$slug"
import json, sys
p = json.load(open(sys.argv[1]))
assert p["name"] == sys.argv[2], p["name"]
assert p["resources"] and all(r["url"].startswith("http") for r in p["resources"])
print(f"package_show {p['name']}: {len(p['resources'])} resources, {len(p['tags'])} tags, organization {p['organization']['name']}")
PY
done
ck package_search "q=低保" "rows:10" 'facet.field:["organization","tags"]' && "$venv/bin/python" - "$dir/ck.json" <<'PY' || fail "package_search"
import json, sys
r = json.load(open(sys.argv[1]))
names = [p["name"] for p in r["results"]]
assert r["count"] >= 1 and "relief" in names, r["count"]
assert "organization" in r["search_facets"]
print(f"package_search q=低保: {r['count']} found: {names}")
PY
ck organization_list && "$venv/bin/python" - "$dir/ck.json" <<'PY' || fail "organization_list"
import json, sys
orgs = json.load(open(sys.argv[1]))
assert orgs, "no organization"
print(f"organization_list: {orgs}")
PY
org=$("$venv/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))[0])' "$dir/ck.json" 2>/dev/null || true)
ck organization_show "id=$org" "include_datasets:true" && "$venv/bin/python" - "$dir/ck.json" <<'PY' || fail "organization_show"
import json, sys
o = json.load(open(sys.argv[1]))
assert o["is_organization"] and o["package_count"] == len(o["packages"]) > 0
print(f"organization_show {o['name']}: {o['package_count']} datasets")
PY

echo "== pyshacl (DCAT-AP 3.0.1)"
curl -sf "$url/catalog.jsonld" -o "$dir/catalog.jsonld" || fail "GET /catalog.jsonld"
shapes=checks/dcat-ap/3.0.1
timeout 300 "$venv/bin/python" checks/dcat_shacl.py "$dir/catalog.jsonld" \
  --strict "$shapes/shapes.ttl" "$shapes/range.ttl" --report "$shapes/shapes_recommended.ttl" \
  || fail "DCAT-AP shapes"

# Every data package and its downloads, on the real data and on a small synthetic set (which has
# rows in every table, so every column type and constraint meets data).
frictionless_all() {
  for slug in $slugs; do
    if timeout 600 "$venv/bin/frictionless" validate --json "$url/api/v1/datasets/$slug/datapackage.json" >"$dir/fl.json"; then
      "$venv/bin/python" - "$dir/fl.json" "$slug" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
rows = sum(t.get("stats", {}).get("rows", 0) or 0 for t in r["tasks"])
print(f"{sys.argv[2]}: valid ({len(r['tasks'])} resources, {rows} rows)")
PY
    else
      fail "frictionless validate $url/api/v1/datasets/$slug/datapackage.json"
      "$venv/bin/python" - "$dir/fl.json" <<'PY' >&2 || cat "$dir/fl.json" >&2
import json, sys
r = json.load(open(sys.argv[1]))
for e in r.get("errors", []):
    print("  package:", e.get("message"))
for t in r.get("tasks", []):
    for e in t.get("errors", [])[:10]:
        print(f"  {t.get('name')}: {e.get('message')}")
PY
    fi
  done
}
echo "== frictionless (data packages and their downloads): real data"
frictionless_all
echo "== frictionless: synthetic data (small)"
target/debug/gongkai generate --scale small --seed 7 "$dir/synthetic" >/dev/null
timeout 300 target/debug/gongkai --database-url "sqlite://$dir/synthetic.db?mode=rwc" import all "$dir/synthetic" >/dev/null 2>&1 \
  || fail "import of the synthetic data"
# The imports are drafts: three people take them through the review, so that they are public.
source bench/lib.sh
GONGKAI_BIN=target/debug/gongkai publish_drafts "sqlite://$dir/synthetic.db?mode=rwc"
if target/debug/gongkai --database-url "sqlite://$dir/synthetic.db?mode=rwc" datasets | grep -q ' 0 行'; then
  fail "a synthetic dataset has no published rows"
fi
serve "sqlite://$dir/synthetic.db?mode=rwc"
frictionless_all

[ "$status" = 0 ] && echo "standards: all checks passed"
exit "$status"
