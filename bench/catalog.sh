#!/usr/bin/env bash
# Benchmark: the static catalog built from the national synthetic data (release build).
#
#   bench/catalog.sh [SEED] [RUNS]
#
# 1. Generates the national synthetic data once (bench/out/national-SEED) and imports every
#    dataset into one SQLite file (bench/out/catalog-national.db), unless already there.
# 2. Builds the catalog RUNS times (default 3) into bench/out/catalog-site and prints, per run,
#    wall time, CPU time and peak RSS, then the medians, the file count and the total size, and
#    whether every run wrote the same bytes (their SHA256SUMS compared).
# The search figures (bytes and requests per query against Pagefind, time to first result in
# Chromium) come from bench/catalog-search/ (see its README). Not a test: figures go to
# bench/README.md by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
seed=${1:-42}
runs=${2:-3}
out=bench/out
data=$out/national-$seed
db=$out/catalog-national.db
site=$out/catalog-site
bin=target/release/gongkai

cargo build --release --workspace --quiet
national_data "$seed" "$data"
url="sqlite://$db?mode=rwc"
if [ ! -f "$db.done" ]; then
  rm -f "$db" "$db-wal" "$db-shm"
  /usr/bin/env time -f 'import all: %e s wall, %M KiB peak' "$bin" --database-url "$url" import all "$data" >/dev/null
  GONGKAI_BIN=$bin publish_drafts "$url"
  touch "$db.done"
fi

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(rustc --version)"
walls=(); rss=()
for i in $(seq 1 "$runs"); do
  log=$(mktemp)
  /usr/bin/env time -f '%e %U %S %M' -o "$log.time" "$bin" --database-url "$url" catalog build --no-load --out "$site" > "$log"
  read -r wall user sys peak < "$log.time"
  echo "run $i: ${wall} s wall, $(echo "$user + $sys" | bc) s CPU, $((peak / 1024)) MiB peak"
  sed -n '2,$p' "$log"
  walls+=("$wall"); rss+=("$peak")
  rm -f "$log" "$log.time"
  cp "$site/SHA256SUMS" "$out/catalog-sums-$i"
done
# Reproducible: every run's SHA256SUMS (a hash of every file) is the same.
for i in $(seq 2 "$runs"); do
  if cmp -s "$out/catalog-sums-1" "$out/catalog-sums-$i"; then
    echo "run $i: byte-identical to run 1 ($(wc -l < "$out/catalog-sums-1") files)"
  else
    echo "run $i: DIFFERS from run 1:"; diff "$out/catalog-sums-1" "$out/catalog-sums-$i" | head -5
  fi
done
echo "median wall: $(printf '%s\n' "${walls[@]}" | median) s; median peak RSS: $(( $(printf '%s\n' "${rss[@]}" | median | cut -d. -f1) / 1024 )) MiB"
echo "files: $(find "$site" -type f | wc -l)"
echo "total size: $(du -sb "$site" | cut -f1) bytes ($(du -sh "$site" | cut -f1))"
echo "by folder:"
for d in "$site"/*/; do
  printf '  %-24s %8s files %10s\n' "$(basename "$d")/" "$(find "$d" -type f | wc -l)" "$(du -sh "$d" | cut -f1)"
done
