#!/usr/bin/env bash
# Benchmark: gongkai's /graphql side by side with PostGraphile 4 on the same PostgreSQL database,
# and gongkai on SQLite (release build).
#
#   bench/graphql.sh [SEED] [RUNS] [SECONDS] [CONNECTIONS]
#
# 1. Generates the national synthetic data once (bench/out/national-SEED, shared with
#    bench/import.sh and bench/records.sh) and imports the registry dataset, unless already there,
#    into the PostgreSQL database gongkai_bench (created if missing, left in place) and into
#    bench/out/registry-SEED.db (the file bench/records.sh makes and reuses).
# 2. Installs PostGraphile 4 from bench/graphql/package-lock.json (npm ci) and creates its computed
#    column organizations.penalties (bench/graphql/penalties.sql) in gongkai_bench.
# 3. Serves gongkai on PostgreSQL, PostGraphile with one Node process and with --cluster-workers 2
#    (gongkai's runtime uses every core, so PostGraphile may too), and gongkai on SQLite.
# 4. One county's organizations, 20 per page, each with its penalties: checks that every server
#    answers the same credit codes and penalties, then loads each with wrk (POST, same threads,
#    connections and duration), RUNS times alternately after a warm-up: requests/s, p50, p99.
# Prints every run, the medians and the ratio gongkai (PostgreSQL) / the faster PostGraphile.
# Not a test: figures go to bench/README.md by hand.
# Needs PostgreSQL at 127.0.0.1:5432 (user postgres, trust), psql, Node >= 18 with npm, wrk,
# sqlite3, curl, jq, bc (Debian: apt-get install -y wrk sqlite3 curl jq bc postgresql-client).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
seed=${1:-42}
runs=${2:-3}
secs=${3:-20}
conns=${4:-32}
threads=2
warmup=3
out=bench/out
data=$out/national-$seed
name=registry-$seed
db=$out/$name.db
bin=target/release/gongkai
gq=bench/graphql
pg_admin=postgres://postgres@127.0.0.1:5432/postgres
pg_db=gongkai_bench
pg=postgres://postgres@127.0.0.1:5432/$pg_db
made_by="gongkai generate --scale national --seed $seed: registry"
declare -A port=([gk-pg]=18490 [pgl-1]=18491 [pgl-2]=18492 [gk-sqlite]=18493 [gk-pg-run]=18494)
declare -A label=([gk-pg]="gongkai (PostgreSQL)" [pgl-1]="PostGraphile, 1 process"
  [pgl-2]="PostGraphile, 2 workers" [gk-sqlite]="gongkai (SQLite)"
  [gk-pg-run]="gongkai (PG), no store")
servers=(gk-pg gk-pg-run pgl-1 pgl-2 gk-sqlite)

for tool in wrk sqlite3 psql curl jq bc node npm; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install -y wrk sqlite3 curl jq bc postgresql-client nodejs npm)" >&2; exit 1; }
done

cargo build --release --bin gongkai --quiet

ms() { echo "scale=2; $1 / 1000" | bc; }
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$pg" "$@"; }
tsec() { local t0; t0=$(date +%s.%N); "$@"; printf '  (%.1f s)\n' "$(echo "$(date +%s.%N) - $t0" | bc)" >&2; }

# --- 1. the data -------------------------------------------------------------------------------
if [ ! -f "$data/MANIFEST.json" ]; then
  rm -rf "$data"
  echo "generating $data"
  tsec "$bin" generate --scale national --seed "$seed" "$data" >/dev/null
fi
# PostgreSQL: one import of the registry, remembered in the database's comment.
if [ -z "$(psql -X -At "$pg_admin" -c "SELECT 1 FROM pg_database WHERE datname = '$pg_db'")" ]; then
  psql -X -q "$pg_admin" -c "CREATE DATABASE $pg_db"
fi
pg_release=$(q -c "SELECT current_release_id FROM datasets WHERE slug = 'registry'" 2>/dev/null || true)
if [ -z "$pg_release" ]; then
  echo "importing the registry into $pg"
  tsec "$bin" --database-url "$pg" import registry "$data"/registry/*.csv | tail -n 3
  GONGKAI_BIN=$bin publish_drafts "$pg" registry
  q -c "COMMENT ON DATABASE $pg_db IS '$made_by'"
  pg_release=$(q -c "SELECT current_release_id FROM datasets WHERE slug = 'registry'")
fi
comment=$(q -c "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$pg_db'")
if [ "$comment" != "$made_by" ]; then
  echo "$pg_db holds other data ($comment); drop it (dropdb -h 127.0.0.1 -U postgres $pg_db) to rebuild" >&2
  exit 1
fi
# SQLite: the same file bench/records.sh makes.
if [ ! -f "$db.ok" ]; then
  rm -f "$db" "$db-wal" "$db-shm"
  echo "importing the registry into $db"
  tsec "$bin" --database-url "sqlite://$db?mode=rwc" import registry "$data"/registry/*.csv | tail -n 3
  GONGKAI_BIN=$bin publish_drafts "sqlite://$db?mode=rwc" registry
  sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
  touch "$db.ok"
fi
sq_release=$(sqlite3 "$db" "SELECT current_release_id FROM datasets WHERE slug = 'registry'")

# PostGraphile's relation from an organization to its penalties.
q -f "$gq/penalties.sql"
orgs=$(q -c "SELECT count(*) FROM organizations WHERE release_id = $pg_release")
pens=$(q -c "SELECT count(*) FROM penalties WHERE release_id = $pg_release")
# The county (a code not ending in 00) with the most organizations that have penalties.
IFS='|' read -r county county_orgs county_penalised < <(q -c "
  SELECT o.region_code, count(*), count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM penalties p WHERE p.release_id = o.release_id AND p.uscc = o.uscc))
  FROM organizations o
  WHERE o.release_id = $pg_release AND o.region_code NOT LIKE '%00'
  GROUP BY o.region_code ORDER BY 3 DESC, 2 DESC, 1 LIMIT 1")

# --- 2. PostGraphile ---------------------------------------------------------------------------
pgl_version=$(jq -r '.packages["node_modules/postgraphile"].version' "$gq/package-lock.json")
if [ "$(jq -r .version "$gq/node_modules/postgraphile/package.json" 2>/dev/null)" != "$pgl_version" ]; then
  npm ci --prefix "$gq" --no-audit --no-fund --loglevel=error
fi

# --- 3. servers --------------------------------------------------------------------------------
pids=()
declare -A pid
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
post() { curl -sf -H 'content-type: application/json' -H 'accept: application/json' --data-binary "@$2" "$1"; }
wait_up() {
  for _ in $(seq 1 600); do
    curl -sf -o /dev/null -H 'content-type: application/json' --data '{"query":"{__typename}"}' "$1" && return 0
    sleep 0.1
  done
  echo "server at $1 did not start" >&2; exit 1
}
url() { echo "http://127.0.0.1:${port[$1]}/graphql"; }
pgl() { # PostGraphile 4, production settings: no watch, no GraphiQL, no query log, no mutations.
  # exec: the background job's pid is Node's (the cluster's master stops its workers on SIGTERM).
  NODE_ENV=production exec "$gq/node_modules/.bin/postgraphile" -c "$pg" --schema public \
    --host 127.0.0.1 --port "$1" --disable-query-log --disable-default-mutations \
    --disable-graphiql "${@:2}"
}
for s in "${servers[@]}"; do # a server left on the port would answer in place of ours
  if (exec 3<>"/dev/tcp/127.0.0.1/${port[$s]}") 2>/dev/null; then
    echo "port ${port[$s]} (${label[$s]}) is taken: stop what listens there" >&2; exit 1
  fi
done
"$bin" --database-url "$pg" serve --bind "127.0.0.1:${port[gk-pg]}" --no-load \
  >"$out/graphql-gk-pg.log" 2>&1 &
pids+=($!); pid[gk-pg]=$!
# The same server with no answers kept: every request runs its query. Started once the first
# is up (each server brings the catalog tables up to date as it starts).
wait_up "$(url gk-pg)"
"$bin" --database-url "$pg" serve --bind "127.0.0.1:${port[gk-pg-run]}" --no-load \
  --graphql-answers-ms 0 >"$out/graphql-gk-pg-run.log" 2>&1 &
pids+=($!); pid[gk-pg-run]=$!
"$bin" --database-url "sqlite://$db?mode=rwc" serve --bind "127.0.0.1:${port[gk-sqlite]}" --no-load \
  >"$out/graphql-gk-sqlite.log" 2>&1 &
pids+=($!); pid[gk-sqlite]=$!
pgl "${port[pgl-1]}" >"$out/graphql-pgl-1.log" 2>&1 &
pids+=($!); pid[pgl-1]=$!
pgl "${port[pgl-2]}" --cluster-workers 2 >"$out/graphql-pgl-2.log" 2>&1 &
pids+=($!); pid[pgl-2]=$!
for s in "${servers[@]}"; do wait_up "$(url "$s")"; done
for s in "${servers[@]}"; do
  kill -0 "${pid[$s]}" 2>/dev/null || { echo "${label[$s]} exited: see $out/graphql-$s.log" >&2; exit 1; }
done

echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(free -g | awk '/Mem:/ {print $2}') GiB; $(rustc --version); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench' || echo ' (modified)')"
echo "tools: $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2), PostGraphile $pgl_version on Node $(node --version), $(q -c 'SHOW server_version' | cut -d' ' -f1 | sed 's/^/PostgreSQL /'), sqlite3 $(sqlite3 --version | cut -d' ' -f1)"
echo "data: $pg_db release $pg_release and $db release $sq_release: $orgs organizations, $pens penalties"
echo "county $county: $county_orgs organizations, $county_penalised with penalties"
echo

# --- 4. the query ------------------------------------------------------------------------------
# gongkai reads the current release, pages by id and finds each organization's penalties by
# credit code in the same release (one batched statement per page). PostGraphile is told the
# release (a bigint, hence a string), the order and the computed column that does the same
# (a plain list, named penaltiesList by PostGraphile: aliased to penalties).
gk_query="{ organizations(first: 20, filter: {regionCode: [\"$county\"]}) { nodes { uscc name penalties { decisionNumber decidedOn } } } }"
pgl_query="{ allOrganizations(first: 20, condition: {regionCode: \"$county\", releaseId: \"$pg_release\"}, orderBy: ID_ASC) { nodes { uscc name penalties: penaltiesList { decisionNumber decidedOn } } } }"
declare -A body
body[gk-pg]=$out/graphql-gongkai.json
body[gk-sqlite]=$out/graphql-gongkai.json
body[gk-pg-run]=$out/graphql-gongkai.json
body[pgl-1]=$out/graphql-postgraphile.json
body[pgl-2]=$out/graphql-postgraphile.json
jq -cn --arg q "$gk_query" '{query: $q}' >"${body[gk-pg]}"
jq -cn --arg q "$pgl_query" '{query: $q}' >"${body[pgl-1]}"
echo "gongkai:      $gk_query"
echo "PostGraphile: $pgl_query"

# Same page from every server: the credit codes, names and penalties (number, date), in order.
normal='[(.data.organizations // .data.allOrganizations).nodes[]
         | {uscc, name, penalties: [.penalties[] | {decisionNumber, decidedOn}]}]'
ref=""
for s in "${servers[@]}"; do
  answer=$(post "$(url "$s")" "${body[$s]}") || { echo "${label[$s]}: request failed" >&2; exit 1; }
  if [ "$(jq 'has("errors")' <<<"$answer")" != false ]; then
    echo "${label[$s]}: $answer" >&2; exit 1
  fi
  page=$(jq -c "$normal" <<<"$answer")
  printf '%-24s %s organizations, %s penalties, %s bytes; first %s\n' "${label[$s]}:" \
    "$(jq length <<<"$page")" "$(jq '[.[].penalties | length] | add' <<<"$page")" \
    "${#answer}" "$(jq -r '.[0].uscc' <<<"$page")"
  if [ -z "$ref" ]; then
    ref=$page
  elif [ "$page" != "$ref" ]; then
    echo "${label[$s]} answers a different page:" >&2
    diff <(jq . <<<"$ref") <(jq . <<<"$page") | head -n 20 >&2
    exit 1
  fi
done
[ "$(jq length <<<"$ref")" = 20 ] || { echo "the page does not have 20 organizations" >&2; exit 1; }
echo "all servers answer the same page"
echo

# --- 5. load -----------------------------------------------------------------------------------
# load SERVER SECONDS -> "req/s p50_us p99_us requests errors non-2xx"
load() {
  BODY=${body[$1]} timeout $(($2 + 30)) wrk -t"$threads" -c"$conns" -d"$2"s --timeout 10s \
    -s "$gq/post.lua" "$(url "$1")" | awk '/^RESULT/ {print $2, $3, $4, $5, $6, $7}'
}
for s in "${servers[@]}"; do load "$s" "$warmup" >/dev/null; done
declare -A rps p50 p99
for i in $(seq 1 "$runs"); do
  for s in "${servers[@]}"; do
    read -r r a b n err bad < <(load "$s" "$secs")
    printf '%-24s run %d: %8.1f req/s, p50 %7s ms, p99 %7s ms (%d requests, %d errors, %d not 2xx; %d connections, %d s)\n' \
      "${label[$s]}" "$i" "$r" "$(ms "$a")" "$(ms "$b")" "$n" "$err" "$bad" "$conns" "$secs"
    rps[$s]+="$r "; p50[$s]+="$a "; p99[$s]+="$b "
  done
done
echo
declare -A med
for s in "${servers[@]}"; do
  med[$s]=$(tr ' ' '\n' <<<"${rps[$s]}" | grep . | median)
  m_a=$(tr ' ' '\n' <<<"${p50[$s]}" | grep . | median)
  m_b=$(tr ' ' '\n' <<<"${p99[$s]}" | grep . | median)
  printf '%-24s median: %8.1f req/s, p50 %7s ms, p99 %7s ms; runs: %s\n' "${label[$s]}" \
    "${med[$s]}" "$(ms "$m_a")" "$(ms "$m_b")" "${rps[$s]% }"
done
best=pgl-1
[ "$(echo "${med[pgl-2]} > ${med[pgl-1]}" | bc)" = 1 ] && best=pgl-2
printf 'ratio gongkai (PostgreSQL) / %s: %.2f× (target ≥ 3×)\n' "${label[$best]}" \
  "$(echo "${med[gk-pg]} / ${med[$best]}" | bc -l)"
printf 'ratio gongkai (PostgreSQL, no store) / %s: %.2f×\n' "${label[$best]}" \
  "$(echo "${med[gk-pg-run]} / ${med[$best]}" | bc -l)"
printf 'ratio gongkai (SQLite) / %s: %.2f×\n' "${label[$best]}" \
  "$(echo "${med[gk-sqlite]} / ${med[$best]}" | bc -l)"
