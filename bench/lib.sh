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
