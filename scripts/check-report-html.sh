#!/usr/bin/env bash
# Loads report pages in headless Chromium and checks that every <img> on them loaded: the page's
# inline script sets <body data-images-loaded="all N"> when all N images decoded, and
# "missing ..." otherwise; this script greps the dumped DOM for it.
#
# Usage: scripts/check-report-html.sh [SCENARIO.yaml | RUN_DIR]...
#   SCENARIO.yaml  run it (release build) with its seed and the next seed, compare the two runs,
#                  and check both run pages and the comparison page
#   RUN_DIR        check RUN_DIR/index.html as it is
# Default: scenarios/two-replicas-down.yaml.
#
# Installs nothing. Without `chromium` on the PATH it says so and exits 0, unless
# REQUIRE_CHROMIUM=1 (as .ci/run sets after installing it), when that is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "${REQUIRE_CHROMIUM:-0}" = 1 ]; then
    echo "FAIL chromium is not installed (REQUIRE_CHROMIUM=1)"; exit 1
  fi
  echo "skip: chromium is not installed (apt-get install chromium), report pages not checked"; exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

# check_page DIR: loads DIR/index.html headless and checks every image loaded.
check_page() {
  local page="$1/index.html" expected got
  if [ ! -f "$page" ]; then
    echo "FAIL $page does not exist"; status=1; return
  fi
  expected=$(grep -o '<img ' "$page" | wc -l)
  if [ "$expected" -eq 0 ]; then
    echo "FAIL $page has no images"; status=1; return
  fi
  # The background-networking flags keep Chromium from reaching for hosts it cannot resolve.
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d -p "$work")" --dump-dom "file://$(realpath "$page")" \
    >"$work/dom.html" 2>"$work/chromium.log" || true
  got=$(grep -o 'data-images-loaded="[^"]*"' "$work/dom.html" || true)
  if [ "$got" = "data-images-loaded=\"all $expected\"" ]; then
    echo "ok   $page: all $expected images loaded"
  else
    echo "FAIL $page: expected all $expected images loaded, the page says: ${got:-nothing (script did not run)}"
    tail -n 5 "$work/chromium.log"
    status=1
  fi
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenarios/two-replicas-down.yaml)
for t in "${targets[@]}"; do
  if [ -d "$t" ]; then
    check_page "$t"
    continue
  fi
  cargo build --release --quiet
  bin=${CARGO_TARGET_DIR:-target}/release/clustersim
  name=$(basename "$t" .yaml)
  "$bin" run --scenario "$t" --out "$work/$name-a" >"$work/$name-a.log" 2>&1 || true
  seed=$(sed -n 's/^seed: \([0-9]*\).*/\1/p' "$work/$name-a.log")
  "$bin" run --scenario "$t" --seed $((seed + 1)) --out "$work/$name-b" >"$work/$name-b.log" 2>&1 || true
  "$bin" compare "$work/$name-a" "$work/$name-b" --out "$work/$name-compare" >"$work/$name-compare.log" 2>&1 || {
    echo "FAIL compare of $t seeds $seed and $((seed + 1))"; tail -n 20 "$work/$name-compare.log"; status=1
  }
  check_page "$work/$name-a"
  check_page "$work/$name-b"
  check_page "$work/$name-compare"
done
exit $status
