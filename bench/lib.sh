# Shared by the benchmark scripts; source it from the repository's root.

# The median of the numbers on stdin, one per line.
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# national_data SEED DIR [WRAPPER…]: write the national synthetic data (`gongkai generate --scale
# national`) into DIR unless it is already there; WRAPPER (e.g. a timer) runs the generator.
national_data() {
  local seed=$1 data=$2
  shift 2
  if [ ! -f "$data/MANIFEST.json" ]; then
    rm -rf "$data"
    "$@" target/release/gongkai generate --scale national --seed "$seed" "$data" >/dev/null
  fi
}

# publish_drafts URL [DATASET…]: take every dataset's newest draft through the three-step
# review (three people, three tokens) so that it is public; all datasets when none are named.
publish_drafts() {
  local url=$1 bin=${GONGKAI_BIN:-target/release/gongkai}
  shift
  local sets=("$@")
  [ ${#sets[@]} -gt 0 ] || sets=(budgets funds relief registry annual_reports)
  local e r p
  e=$("$bin" --database-url "$url" token create --name bench-editor --role editor 2>/dev/null)
  r=$("$bin" --database-url "$url" token create --name bench-reviewer --role reviewer 2>/dev/null)
  p=$("$bin" --database-url "$url" token create --name bench-publisher --role publisher 2>/dev/null)
  for ds in "${sets[@]}"; do
    "$bin" --database-url "$url" release submit "$ds" --token "$e" >/dev/null 2>&1 || continue
    "$bin" --database-url "$url" release review "$ds" --token "$r" >/dev/null
    "$bin" --database-url "$url" release publish "$ds" --token "$p" >/dev/null
  done
}
