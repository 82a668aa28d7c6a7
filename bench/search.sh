#!/usr/bin/env bash
# Benchmark: Chinese search over the national synthetic registry in SQLite (release build).
#
#   bench/search.sh [SEED] [REPEAT]
#
# 1. Imports registry.organizations (1,000,000 organizations, the search index included) into a
#    fresh SQLite file and prints wall time and peak RSS (compare with bench/import.sh).
# 2. Rebuilds the search index alone on that file (deletes it; `gongkai migrate` rebuilds a
#    missing index) and prints its wall time, CPU time and peak RSS.
# 3. Runs each query REPEAT times (default 7) through `gongkai search`, which times the query
#    layer's own steps (condition, count, first page of 20), and prints the median of the runs:
#    as the list endpoint would run it (the index's count when it has one), with a SQL COUNT
#    always, and ordered by relevance.
# Not a test: figures go to bench/README.md by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
seed=${1:-42}
repeat=${2:-7}
out=bench/out
data=$out/national-$seed
db=$out/search.db
bin=target/release/gongkai

cargo build --release --workspace --quiet
national_data "$seed" "$data"
url="sqlite://$db?mode=rwc"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(rustc --version)"
rm -f "$db" "$db-wal" "$db-shm"
start=$(date +%s.%N)
"$bin" --database-url "$url" import registry.organizations "$data/registry/organizations.csv" \
  | grep -E '已导入|peak RSS'
end=$(date +%s.%N)
GONGKAI_BIN=$bin publish_drafts "$url" registry
printf 'import with index: %.2f s wall\n' "$(echo "$end - $start" | bc)"

# The index alone: drop it and let `migrate` (which opens the database) rebuild it.
python3 - "$db" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("DELETE FROM search_postings"); c.execute("DELETE FROM search_indexes"); c.commit()
c.execute("VACUUM")
EOF
/usr/bin/env time -f 'index rebuild: %e s wall, %U s user, %S s sys, %M KiB peak RSS' \
  "$bin" --database-url "$url" migrate >/dev/null
python3 - "$db" <<'EOF'
import sqlite3, sys, os
c = sqlite3.connect(sys.argv[1])
d, t, p = c.execute("SELECT documents, terms, postings FROM search_indexes").fetchone()
size = c.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'search_%' OR name LIKE 'sqlite_autoindex_search%'").fetchone()[0]
orgs = c.execute("SELECT SUM(pgsize) FROM dbstat WHERE name = 'organizations'").fetchone()[0]
print(f"index: {d} organizations, {t} tokens, {p} postings, {size/2**20:.0f} MiB "
      f"(organizations table {orgs/2**20:.0f} MiB, file {os.path.getsize(sys.argv[1])/2**20:.0f} MiB)")
EOF

# Queries: the brief's, one full name and one credit code from the data, and harder cases.
row=$(sed -n 2p "$data/registry/organizations.csv")
code=${row%%,*}
name=$(echo "$row" | cut -d, -f2)
median() {
  "$bin" --database-url "$url" search --repeat "$repeat" "$@" |
    awk '/^median:/ {m=$2} /^total:/ {t=$2} /^plan:/ {sub(/^plan: /, ""); p=$0} END {printf "%9s ms  total %-16s %s\n", m, t, p}'
}
for q in 民政 慈善 养老 协会 服务 养老服务 "养老 服务" "$name" "$code" "${code:0:8}" ngo; do
  printf '%-28s default    ' "$q"; median "$q"
  printf '%-28s sql count  ' "$q"; median --sql-count "$q"
  printf '%-28s relevance  ' "$q"; median --relevance "$q"
done
