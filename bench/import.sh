#!/usr/bin/env bash
# Benchmark: import of the national synthetic registry into SQLite (release build).
#
#   bench/import.sh [SEED] [RUNS]
#
# Generates the national synthetic data once (bench/out/national, seed 42 by default), then for
# each run imports, into a fresh SQLite file:
#   1. registry.organizations alone (1,000,000 organizations), and
#   2. the whole registry (organizations + inspections, evaluations, penalties, credit listings,
#      charity filings, illegal organizations) as one release.
# Prints wall time, rows/s and peak RSS (gongkai reports VmHWM itself) for every run, and the
# medians. Not a test: figures go to bench/README.md by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
seed=${1:-42}
runs=${2:-3}
out=bench/out
data=$out/national-$seed
bin=target/release/gongkai

cargo build --release --workspace --quiet
national_data "$seed" "$data" /usr/bin/env time -f '%e s, %M KiB peak'


bench() {
  local label=$1; shift
  local secs=() rss=() rows=""
  for i in $(seq 1 "$runs"); do
    rm -f "$out/bench.db" "$out/bench.db-wal" "$out/bench.db-shm"
    local start end log
    start=$(date +%s.%N)
    log=$("$bin" --database-url "sqlite://$out/bench.db?mode=rwc" import "$@")
    end=$(date +%s.%N)
    local t; t=$(echo "$end - $start" | bc)
    local m; m=$(echo "$log" | sed -n 's/.*peak RSS）：\([0-9.]*\) MiB.*/\1/p')
    rows=$(echo "$log" | sed -n 's/^已导入 [^：]*：[^，]*，\([0-9]*\) 行.*/\1/p' | head -n 1)
    secs+=("$t"); rss+=("$m")
    printf '%s run %d: %s rows in %.2f s (%.0f rows/s), peak RSS %s MiB\n' "$label" "$i" "$rows" "$t" "$(echo "$rows / $t" | bc -l)" "$m"
  done
  local ms mr
  ms=$(printf '%s\n' "${secs[@]}" | median)
  mr=$(printf '%s\n' "${rss[@]}" | median)
  printf '%s median: %.2f s, %.0f rows/s, peak RSS %s MiB\n\n' "$label" "$ms" "$(echo "$rows / $ms" | bc -l)" "$mr"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(rustc --version)"
bench "registry.organizations" registry.organizations "$data/registry/organizations.csv"
bench "registry (all tables)" registry "$data"/registry/*.csv
