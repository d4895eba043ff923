#!/usr/bin/env bash
# Compares autoscaler modes on one scenario over many seeds: runs every mode for every seed
# (`clustersim run --seed K --set autoscaler.mode=M`) and prints, per mode, the mean and median
# SLO-violation seconds and node-seconds from each run's summary.json.
# usage: scripts/compare-autoscalers.sh [SCENARIO] [SEEDS] [MODES]
#   SEEDS: a count N (seeds 1..N) or FIRST-LAST; MODES: comma-separated (default hpa,predictive)
# KEEP=DIR keeps the run folders in DIR (default: a temporary folder, removed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-scenarios/capacity-daily-cycle.yaml}
seeds=${2:-20}
modes=${3:-hpa,predictive}
case $seeds in
  *-*) first=${seeds%-*}; last=${seeds#*-} ;;
  *) first=1; last=$seeds ;;
esac
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/clustersim
if [ -n "${KEEP:-}" ]; then out=$KEEP; mkdir -p "$out"; else out=$(mktemp -d); trap 'rm -rf "$out"' EXIT; fi
start=$SECONDS
for mode in ${modes//,/ }; do
  for seed in $(seq "$first" "$last"); do
    # A run whose expectations fail still writes its summary: keep it, say so.
    "$bin" run --scenario "$scenario" --seed "$seed" --set "autoscaler.mode=$mode" --out "$out/$mode/$seed" \
      >/dev/null 2>&1 || echo "$mode seed $seed: exit $?" >&2
  done
done
echo "$scenario, seeds $first..$last, modes $modes: $((SECONDS - start)) s wall"
python3 - "$out" "$modes" <<'PY'
import json, pathlib, statistics, sys
root, modes = pathlib.Path(sys.argv[1]), sys.argv[2].split(",")
print(f"{'mode':<12} {'runs':>4} {'SLO-viol s mean':>16} {'median':>8} {'node-s mean':>12} {'median':>8} {'peak':>5} {'rejected':>9} {'MAPE %':>7}")
for mode in modes:
    caps = []
    for f in sorted((root / mode).glob("*/summary.json")):
        c = json.loads(f.read_text()).get("capacity")
        if c:
            caps.append(c)
    if not caps:
        print(f"{mode:<12} {0:>4}  (no run with a capacity section)")
        continue
    v = [c["slo_violation_s"] for c in caps]
    n = [c["node_seconds"] for c in caps]
    mape = [c["forecast_mape"] for c in caps if c.get("forecast_mape") is not None]
    mape_s = f"{statistics.mean(mape):7.1f}" if mape else f"{'-':>7}"
    print(f"{mode:<12} {len(caps):>4} {statistics.mean(v):16.1f} {statistics.median(v):8.1f} "
          f"{statistics.mean(n):12.0f} {statistics.median(n):8.0f} {max(c['peak_machines'] for c in caps):5d} "
          f"{statistics.mean(c['rejected'] for c in caps):9.1f} {mape_s}")
PY
