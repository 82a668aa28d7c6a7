#!/usr/bin/env bash
# The static catalog (`gongkai catalog build`) in a real browser and through the HTML validator.
#
#   checks/catalog.sh
#
# Builds two sites into a temporary folder: one of the real data shipped with the project, one of
# a small synthetic registry (the real data has no registered organizations, so only it has
# organization pages and registry search results). Serves both from one local server under
# sub-paths (…/real/sub/, …/synth/sub/), so a root-absolute link fails. Both are signed with a
# key made for the run, and the real one is checked with `catalog verify`. Then:
#  - checks/catalog/browser.mjs drives headless Chromium (Debian `chromium`, never a download)
#    with playwright-core: languages, a download, Chinese search, elder mode, the keyboard skip
#    link, phone width, pages without JavaScript, axe-core on every template, and no request to
#    any other host (see the script);
#  - vnu-jar (the Nu Html Checker, Java) over every HTML file of the real site, and of the
#    synthetic site all but its organization pages plus a sample of those: no errors.
# Fails unless both pass; prints a summary. Bounded: each build 5 minutes, the browser 10, vnu 10.
#
# The npm packages are pinned with checks/catalog/package-lock.json and installed without their
# install scripts (vnu-jar's would fetch a Java, playwright must not fetch a browser) into
# checks/catalog/node_modules (ignored by git), which is reused while it matches the lock file.
# Installs Debian's `chromium` and a CJK font (fonts-wqy-zenhei) when missing; Java 17 must be
# installed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
packages=()
[ -x /usr/bin/chromium ] || packages+=(chromium)
[ -n "$(fc-list :lang=zh 2>/dev/null)" ] || packages+=(fonts-wqy-zenhei)
if [ ${#packages[@]} -gt 0 ]; then
  echo "installing ${packages[*]} (apt-get)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
command -v java >/dev/null || { echo "java is required for vnu-jar (e.g. apt-get install openjdk-17-jre-headless)" >&2; exit 1; }

# npm writes node_modules/.package-lock.json on install; reinstall when the lock file is newer.
if [ ! -f checks/catalog/node_modules/.package-lock.json ] \
  || [ checks/catalog/package-lock.json -nt checks/catalog/node_modules/.package-lock.json ]; then
  npm ci --silent --ignore-scripts --no-audit --no-fund --prefix checks/catalog
fi
vnu=checks/catalog/node_modules/vnu-jar/build/dist/vnu.jar
[ -f "$vnu" ] || { echo "missing $vnu" >&2; exit 1; }

cargo build --quiet --bin gongkai
bin=target/debug/gongkai

tmp=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# Run a step quietly; on failure show its log and stop.
quiet() {
  local name=$1
  shift
  if ! "$@" >"$tmp/$name.log" 2>&1; then
    echo "FAIL: $name: $*" >&2
    tail -n 40 "$tmp/$name.log" >&2
    exit 1
  fi
}

echo "building the site of the real data (signed with a fresh key, then verified)"
quiet keygen "$bin" catalog keygen --secret "$tmp/key.pem" --public "$tmp/key.pub"
quiet real-build timeout 300 "$bin" --database-url "sqlite://$tmp/real.db?mode=rwc" catalog build --out "$tmp/real-site" --sign-key "$tmp/key.pem"
quiet verify timeout 300 "$bin" catalog verify "$tmp/real-site" --key "$tmp/key.pub"
echo "building the site of a small synthetic registry"
quiet generate timeout 300 "$bin" generate --scale small --seed 1 "$tmp/synthetic"
quiet import timeout 300 "$bin" --database-url "sqlite://$tmp/synth.db?mode=rwc" import all "$tmp/synthetic"
# The imports are drafts: three people take them through the review before the build.
source bench/lib.sh
GONGKAI_BIN=$bin quiet review publish_drafts "sqlite://$tmp/synth.db?mode=rwc"
quiet synth-build timeout 300 "$bin" --database-url "sqlite://$tmp/synth.db?mode=rwc" catalog build --out "$tmp/synth-site" --sign-key "$tmp/key.pem"

mkdir -p "$tmp/www/real" "$tmp/www/synth"
ln -s "$tmp/real-site" "$tmp/www/real/sub"
ln -s "$tmp/synth-site" "$tmp/www/synth/sub"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$tmp/www" "$port" >"$tmp/http.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
  curl -sf "http://127.0.0.1:$port/real/sub/index.html" >/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$tmp/http.log" >&2; exit 1; }
  sleep 0.5
done
root="http://127.0.0.1:$port"

browser=0
timeout 600 node checks/catalog/browser.mjs "$root/real/sub/" "$tmp/real-site" "$root/synth/sub/" "$tmp/synth-site" \
  || browser=$?

# The Nu Html Checker: every HTML file of the real site; of the synthetic one, all but the
# organization pages and a sample of those (the first 25 and the last 5).
echo ""
find "$tmp/synth-site" -type f -path '*/org/*.html' | sort >"$tmp/org-pages"
{
  find "$tmp/real-site" -type f -name '*.html'
  find "$tmp/synth-site" -type f -name '*.html' ! -path '*/org/*'
  sed -n '1,25p' "$tmp/org-pages"
  tail -n 5 "$tmp/org-pages"
} | sort -u >"$tmp/vnu-files"
files=$(wc -l <"$tmp/vnu-files")
vnu_status=0
tr '\n' '\0' <"$tmp/vnu-files" \
  | timeout 600 xargs -0 -n 400 java -Xss1m -jar "$vnu" --errors-only --skip-non-html --format gnu \
    >"$tmp/vnu.out" 2>&1 || vnu_status=$?
sed -e "s|file:$tmp/real-site/|real:/|g" -e "s|file:$tmp/synth-site/|synth:/|g" "$tmp/vnu.out" >"$tmp/vnu.txt"
errors=$(grep -c ': error' "$tmp/vnu.txt" || true)
if [ "$vnu_status" -ne 0 ] || [ -s "$tmp/vnu.txt" ]; then
  head -n 200 "$tmp/vnu.txt"
  [ "$(wc -l <"$tmp/vnu.txt")" -gt 200 ] && echo "… $(($(wc -l <"$tmp/vnu.txt") - 200)) more lines"
  echo "vnu: $errors error(s) in $files HTML files (exit status $vnu_status)"
  vnu_status=1
else
  echo "vnu: $files HTML files, no errors"
fi

echo ""
echo "catalog checks: browser $([ "$browser" -eq 0 ] && echo passed || echo "FAILED ($browser)"), vnu $([ "$vnu_status" -eq 0 ] && echo passed || echo FAILED)"
[ "$browser" -eq 0 ] && [ "$vnu_status" -eq 0 ]
