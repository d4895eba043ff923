#!/usr/bin/env bash
# Leader replacement downtime over many seeds: runs a scenario for seeds FIRST..LAST and
# prints the distribution of "leaderless after a loss" gaps (ms) from each run's summary.json.
# usage: scripts/leader-downtime.sh [SCENARIO] [FIRST] [LAST]
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-scenarios/leader-crash.yaml}
first=${2:-1}
last=${3:-200}
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/clustersim
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for seed in $(seq "$first" "$last"); do
  "$bin" run --scenario "$scenario" --seed "$seed" --out "$out/$seed" >/dev/null 2>&1 || echo "seed $seed failed (exit $?)" >&2
done
python3 - "$out" <<'PY'
import json, pathlib, sys
gaps, elections = [], []
for f in sorted(pathlib.Path(sys.argv[1]).glob("*/summary.json")):
    c = json.loads(f.read_text())["control"]
    gaps += [g for g in c["leaderless_ms"]]
    elections.append(c["elections"])
gaps.sort()
def q(p):
    return gaps[min(len(gaps) - 1, max(0, int(-(-p * len(gaps) // 1)) - 1))]
print(f"runs: {len(elections)}, leader losses: {len(gaps)}, elections per run: {min(elections)}..{max(elections)}")
if gaps:
    print("leaderless gap after a loss (ms): min {} p10 {} p50 {} p90 {} p99 {} max {} mean {:.0f}".format(
        gaps[0], q(0.10), q(0.50), q(0.90), q(0.99), gaps[-1], sum(gaps) / len(gaps)))
    buckets = [0, 150, 200, 250, 300, 400, 500, 750, 1000, 10**9]
    for lo, hi in zip(buckets, buckets[1:]):
        n = sum(1 for g in gaps if lo <= g < hi)
        label = f"{lo}-{hi} ms" if hi < 10**9 else f">= {lo} ms"
        print(f"  {label:>12}: {n:4d} {'#' * (60 * n // len(gaps))}")
PY
