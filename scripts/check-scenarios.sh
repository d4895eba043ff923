#!/usr/bin/env bash
# Runs every scenario in scenarios/ (or those given as arguments) with the release binary:
# each must exit 0, must give the same trace hash in two separate processes (and in two runs
# inside one process, --check-determinism), and another seed must give another hash. Each run
# folder must hold index.html, ops.csv and every plot, and the plots and ops.csv of the two
# processes must be byte-identical.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/clustersim
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(scenarios/*.yaml)
for s in "${scenarios[@]}"; do
  name=$(basename "$s" .yaml)
  code=0
  "$bin" run --scenario "$s" --check-determinism --out "$out/$name-a" >"$out/$name-a.log" 2>&1 || code=$?
  if [ "$code" -ne 0 ]; then
    echo "FAIL $s (exit $code)"; tail -n 30 "$out/$name-a.log"; status=1; continue
  fi
  "$bin" run --scenario "$s" --out "$out/$name-b" >"$out/$name-b.log" 2>&1 || true
  seed=$(sed -n 's/^seed: \([0-9]*\).*/\1/p' "$out/$name-a.log")
  "$bin" run --scenario "$s" --seed $((seed + 1)) --out "$out/$name-c" >"$out/$name-c.log" 2>&1 || true
  a=$(cat "$out/$name-a/trace-hash.txt"); b=$(cat "$out/$name-b/trace-hash.txt"); c=$(cat "$out/$name-c/trace-hash.txt")
  if [ "$a" != "$b" ]; then
    echo "FAIL $s: trace hash differs between processes ($a vs $b)"; status=1; continue
  fi
  if [ "$a" = "$c" ]; then
    echo "FAIL $s: seeds $seed and $((seed + 1)) gave the same trace hash $a"; status=1; continue
  fi
  missing=""
  for f in index.html ops.csv summary.json plots/latency-raw.png plots/latency-raw.svg \
    plots/latency-quantiles.png plots/latency-quantiles.svg plots/latency-distribution.png \
    plots/latency-distribution.svg plots/availability.png plots/availability.svg plots/timelines.png \
    plots/timelines.svg; do
    [ -s "$out/$name-a/$f" ] || missing="$missing $f"
  done
  if [ -n "$missing" ]; then
    echo "FAIL $s: the run folder lacks$missing"; status=1; continue
  fi
  differing=""
  for f in ops.csv "$out/$name-a"/plots/*; do
    f=${f#"$out/$name-a/"}
    cmp -s "$out/$name-a/$f" "$out/$name-b/$f" || differing="$differing $f"
  done
  if [ -n "$differing" ]; then
    echo "FAIL $s: not byte-identical between processes:$differing"; status=1; continue
  fi
  wall=$(sed -n 's/^simulated .* in \([0-9]*\) ms.*/\1/p' "$out/$name-a.log")
  plots=$(sed -n 's/^rendered \([0-9]*\) plots in \([0-9]*\) ms.*/\1 plots in \2 ms/p' "$out/$name-a.log")
  echo "ok   $s  seed $seed  hash $a  (${wall} ms wall, ${plots})"
done
exit $status
