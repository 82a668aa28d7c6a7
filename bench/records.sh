#!/usr/bin/env bash
# Benchmark: REST reads of the national synthetic registry, side by side with Datasette and the
# sqlite3 CLI on the same SQLite file (release build).
#
#   bench/records.sh [SEED] [RUNS] [SECONDS] [CONNECTIONS]
#
# 1. Makes bench/out/registry-SEED.db once: `gongkai generate --scale national` (reusing
#    bench/out/national-SEED if bench/import.sh left it) and an import of the registry dataset.
# 2. Installs Datasette (PyPI) into a venv under target/ and serves the same file read-only.
# 3. Lists organizations of one county and type, 20 per page, as JSON from both servers with wrk
#    (same threads, connections and duration), RUNS times alternately: requests/s, p50, p99.
# 4. Times the whole organizations CSV from gongkai against `sqlite3 -csv` of the same table,
#    RUNS times each, and reads the peak RSS (VmHWM) of a freshly started server.
# 5. Holds 256 connections against the list endpoint of another fresh server: peak RSS.
# Prints every run and the medians. Not a test: figures go to bench/README.md by hand.
# Needs wrk, sqlite3, curl, jq (Debian: apt-get install -y wrk sqlite3 curl jq) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
seed=${1:-42}
runs=${2:-3}
secs=${3:-20}
conns=${4:-32}
threads=2
out=bench/out
data=$out/national-$seed
name=registry-$seed
db=$out/$name.db
bin=target/release/gongkai
venv=target/datasette-venv
gk_port=18480
ds_port=18481
gk=http://127.0.0.1:$gk_port
ds=http://127.0.0.1:$ds_port

for tool in wrk sqlite3 curl jq python3 bc; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install -y wrk sqlite3 curl jq bc)" >&2; exit 1; }
done

cargo build --release --workspace --quiet

now() { date +%s.%N; }
kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
mib() { echo "scale=1; $1 / 1024" | bc; }

# --- 1. the database ---------------------------------------------------------------------------
if [ ! -f "$db.ok" ]; then
  national_data "$seed" "$data"
  rm -f "$db" "$db-wal" "$db-shm"
  "$bin" --database-url "sqlite://$db?mode=rwc" import registry "$data"/registry/*.csv | tail -n 3
  GONGKAI_BIN=$bin publish_drafts "sqlite://$db?mode=rwc" registry
  # Fold the WAL into the file: Datasette opens it immutable and reads the main file only.
  sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
  touch "$db.ok"
fi
release=$(sqlite3 "$db" "SELECT current_release_id FROM datasets WHERE slug = 'registry'")
orgs=$(sqlite3 "$db" "SELECT count(*) FROM organizations WHERE release_id = $release")
# A county with a median number of 社会团体 (of those with at least two pages).
read -r county county_n < <(sqlite3 -separator ' ' "$db" "
  WITH c AS (SELECT region_code, count(*) AS n FROM organizations
             WHERE release_id = $release AND org_type = '社会团体' AND region_code NOT LIKE '%00'
             GROUP BY region_code HAVING n > 40)
  SELECT region_code, n FROM c ORDER BY n LIMIT 1 OFFSET (SELECT count(*) / 2 FROM c)")
type_enc=$(jq -rn --arg s '社会团体' '$s|@uri')
gk_list="$gk/api/v1/organizations?region_code=$county&org_type=$type_enc&limit=20"
ds_list="$ds/$name/organizations.json?region_code=$county&org_type=$type_enc&release_id=$release&_size=20&_nocount=1&_nofacet=1&_nosuggest=1"

# --- servers -----------------------------------------------------------------------------------
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
wait_up() {
  for _ in $(seq 1 300); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "server at $1 did not start" >&2; exit 1
}
gk_pid=""
start_gongkai() {
  "$bin" --database-url "sqlite://$db?mode=rwc" serve --bind "127.0.0.1:$gk_port" --no-load \
    >"$out/records-serve.log" 2>&1 &
  gk_pid=$!; pids+=("$gk_pid")
  wait_up "$gk/api/v1/organizations?limit=1"
}
stop_gongkai() { kill "$gk_pid"; wait "$gk_pid" 2>/dev/null || true; }

if [ ! -x "$venv/bin/datasette" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet datasette
fi
"$venv/bin/datasette" serve -i "$db" -h 127.0.0.1 -p "$ds_port" \
  --setting sql_time_limit_ms 10000 --setting max_returned_rows 1000 \
  >"$out/records-datasette.log" 2>&1 &
ds_pid=$!; pids+=("$ds_pid")
wait_up "$ds/-/versions.json"
start_gongkai

echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(free -g | awk '/Mem:/ {print $2}') GiB; $(rustc --version)"
echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench' || echo ' (modified)')"
echo "tools: $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2), datasette $("$venv/bin/datasette" --version | awk '{print $3}'), sqlite3 $(sqlite3 --version | cut -d' ' -f1), $(python3 --version)"
echo "data: $db, release $release, $orgs organizations; county $county has $county_n 社会团体"
echo

# --- 3. list: requests/s and latency -----------------------------------------------------------
# Both answer the same page: the first 20 社会团体 of the county, by id (Datasette: by rowid,
# which is the same column). gongkai also counts the exact total; Datasette is told not to.
gk_first=$(curl -sf "$gk_list" | jq -c '[.total, (.items | length), .items[0].uscc]')
ds_first=$(curl -sf "$ds_list" | jq -c '[(.rows | length), .rows[0][(.columns | index("uscc"))]]')
echo "gongkai  $gk_list -> [total, rows, first uscc] $gk_first"
echo "datasette $ds_list -> [rows, first uscc] $ds_first"
[ "$(jq '.[2]' <<<"$gk_first")" = "$(jq '.[1]' <<<"$ds_first")" ] || { echo "the two pages differ" >&2; exit 1; }

lua=target/records-wrk.lua
cat >"$lua" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %d %d %d %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout))
end
EOF
# load URL CONNECTIONS SECONDS -> "req/s p50_us p99_us requests errors"
load() {
  timeout $(($3 + 30)) wrk -t"$threads" -c"$2" -d"$3"s --timeout 10s -s "$lua" "$1" |
    awk '/^RESULT/ {print $2, $3, $4, $5, $6}'
}
ms() { echo "scale=2; $1 / 1000" | bc; }

load "$gk_list" "$conns" 3 >/dev/null # warm-up
load "$ds_list" "$conns" 3 >/dev/null
declare -A rps p50 p99
for i in $(seq 1 "$runs"); do
  for who in gongkai datasette; do
    url=$gk_list; [ $who = datasette ] && url=$ds_list
    read -r r a b n err < <(load "$url" "$conns" "$secs")
    printf '%-9s run %d: %8.1f req/s, p50 %7s ms, p99 %7s ms (%d requests, %d errors; %d connections, %d s)\n' \
      $who "$i" "$r" "$(ms "$a")" "$(ms "$b")" "$n" "$err" "$conns" "$secs"
    rps[$who]+="$r "; p50[$who]+="$a "; p99[$who]+="$b "
  done
done
for who in gongkai datasette; do
  m_r=$(tr ' ' '\n' <<<"${rps[$who]}" | grep . | median)
  m_a=$(tr ' ' '\n' <<<"${p50[$who]}" | grep . | median)
  m_b=$(tr ' ' '\n' <<<"${p99[$who]}" | grep . | median)
  printf '%-9s median: %.1f req/s, p50 %s ms, p99 %s ms\n' $who "$m_r" "$(ms "$m_a")" "$(ms "$m_b")"
  declare "med_$who=$m_r"
done
printf 'ratio gongkai / datasette: %.1f× (target ≥ 10×)\n\n' "$(echo "$med_gongkai / $med_datasette" | bc -l)"
kill "$ds_pid"; wait "$ds_pid" 2>/dev/null || true

# --- 4. the whole CSV against sqlite3 -csv -----------------------------------------------------
stop_gongkai
start_gongkai
rss0=$(kib "$gk_pid" VmRSS); hwm0=$(kib "$gk_pid" VmHWM)
csv_url="$gk/api/v1/organizations.csv?bom=false"
header=$(curl -sf "$csv_url" | head -n 1 || true)
echo "gongkai CSV header: $header"
# The same rows and columns from the sqlite3 CLI, in the same order: the stored columns, the
# money in yuan beside fen, booleans as true/false, and the source's title and URL.
sql="SELECT o.id, o.uscc, o.name, o.org_type, o.registration_authority, o.region_code,
  o.supervising_unit, o.legal_representative, o.registered_capital,
  CASE WHEN o.registered_capital IS NOT NULL
    THEN printf('%d.%02d', o.registered_capital / 100, o.registered_capital % 100) END,
  o.registered_capital_published, o.capital_unit, o.founded_on, o.founded_on_published, o.address,
  o.business_scope, o.status, CASE o.charity WHEN 1 THEN 'true' ELSE 'false' END,
  CASE o.public_fundraising WHEN 1 THEN 'true' ELSE 'false' END, o.source_id, s.title, s.url,
  o.row_no, o.extra
FROM organizations o JOIN sources s ON s.id = o.source_id WHERE o.release_id = $release ORDER BY o.id"
echo "sqlite3: $(tr -s ' \n' ' ' <<<"$sql")"
gk_t=(); sq_t=(); gk_bytes=0; sq_bytes=0
for i in $(seq 1 "$runs"); do
  t0=$(now)
  gk_bytes=$(timeout 600 curl -sf -o /dev/null -w '%{size_download}' "$csv_url")
  t1=$(now)
  timeout 600 sqlite3 -csv -header "$db" "$sql" >/dev/null
  t2=$(now)
  gk_t+=("$(echo "$t1 - $t0" | bc)"); sq_t+=("$(echo "$t2 - $t1" | bc)")
  printf 'CSV run %d: gongkai %.2f s (%s bytes), sqlite3 -csv %.2f s\n' "$i" "${gk_t[-1]}" "$gk_bytes" "${sq_t[-1]}"
done
hwm1=$(kib "$gk_pid" VmHWM); rss1=$(kib "$gk_pid" VmRSS)
# Same content? sqlite3 quotes every field with a non-ASCII byte and ends lines with CRLF, so
# the bytes differ; compare the parsed rows of the first 20,000 (the header names differ too).
parsed() { python3 -c 'import csv, hashlib, sys
r = csv.reader(sys.stdin); next(r); h = hashlib.md5(); n = 0
for row in r: h.update(repr(row).encode()); n += 1
print(n, h.hexdigest()[:12])'; }
gk_sum=$(curl -sf "$csv_url&limit=20000" | parsed)
sq_sum=$(sqlite3 -csv -header "$db" "$sql LIMIT 20000" | parsed)
echo "first 20,000 rows parsed: gongkai $gk_sum, sqlite3 $sq_sum ($([ "$gk_sum" = "$sq_sum" ] && echo same || echo DIFFERENT))"
sq_bytes=$(sqlite3 -csv -header "$db" "$sql" | wc -c)
m_gk=$(printf '%s\n' "${gk_t[@]}" | median); m_sq=$(printf '%s\n' "${sq_t[@]}" | median)
printf 'CSV median: gongkai %.2f s (%s bytes), sqlite3 -csv %.2f s (%s bytes); ratio %.2f× (target ≤ 1.5×)\n' \
  "$m_gk" "$gk_bytes" "$m_sq" "$sq_bytes" "$(echo "$m_gk / $m_sq" | bc -l)"
printf 'server RSS: %s MiB after start (VmHWM %s MiB), peak over the downloads %s MiB (VmHWM), %s MiB after (target < 64 MB)\n\n' \
  "$(mib "$rss0")" "$(mib "$hwm0")" "$(mib "$hwm1")" "$(mib "$rss1")"

# --- 5. 256 concurrent connections -------------------------------------------------------------
stop_gongkai
start_gongkai
rss0=$(kib "$gk_pid" VmRSS)
read -r r a b n err < <(load "$gk_list" 256 "$secs")
hwm1=$(kib "$gk_pid" VmHWM)
printf '256 connections, %d s: %.1f req/s, p50 %s ms, p99 %s ms (%d requests, %d errors)\n' \
  "$secs" "$r" "$(ms "$a")" "$(ms "$b")" "$n" "$err"
printf 'server RSS: %s MiB after start, peak %s MiB (VmHWM) (target < 150 MB)\n' "$(mib "$rss0")" "$(mib "$hwm1")"
