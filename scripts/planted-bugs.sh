#!/usr/bin/env bash
# Proves the checkers catch the planted bugs (nodes/src/bugs.rs). Builds the test binary once
# (`--features clustersim-nodes/planted-bugs`) and, for every bug `clustersim bugs` lists,
# requires every entry of scenarios/regressions/NAME.txt to fail its property
# (`corpus --expect-fail ... --bug NAME`). Then proves the test build harmless with no bug on:
# a few scenarios x 2 seeds give the production binary's trace hashes and exit codes. Finally
# rebuilds the production binary, so later steps use it. Exit 0 when every planted bug was
# caught and the hashes agree.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
started=$SECONDS
status=0
cargo build --release --quiet --features clustersim-nodes/planted-bugs
bin="$target/clustersim-planted-bugs"
cp "$target/release/clustersim" "$bin"
names=$("$bin" bugs | sed -n 's/^\([a-z][a-z-]*\)  .*/\1/p')
count=$(echo "$names" | wc -w)
[ "$count" -gt 0 ] || { echo "clustersim bugs listed no planted bug" >&2; exit 1; }
"$bin" bugs | head -n 1 | grep -q "this build can plant them" || { echo "the test build cannot plant bugs" >&2; exit 1; }
caught=0
for bug in $names; do
  echo "-- --bug $bug"
  if "$bin" corpus --expect-fail "scenarios/regressions/$bug.txt" --bug "$bug"; then
    caught=$((caught + 1))
  else
    status=1
  fi
  if [ "$bug" = early-ack ]; then
    # explain must tell the shrunk failure's story: the stale read and the write it missed.
    out="$target/clustersim/planted-early-ack-explain"
    "$bin" run --bug "$bug" --scenario scenarios/regressions/early-ack-minimal.yaml --out "$out" >/dev/null 2>&1 || true
    "$bin" explain "$out" --bug "$bug" 2>/dev/null | grep -q "the write it missed" || { echo "explain told no story of early-ack-minimal" >&2; status=1; }
  fi
done
echo "planted bugs caught: $caught of $count"

# With no bug on, the test build must run exactly as the production build: the same trace hash
# and exit code for every run (scenarios chosen to pass through every planted bug's code).
harmless=(lossy-network concurrent-writers hinted-handoff fsync-policies disk-corruption quorum-linearizable
  leader-isolated migrate-partition-cutover membership-partition membership-drain membership-join-while-down
  primary-writes shard-classes)
sweep_args=(--seeds 1..2 --keep-failures 0)
for s in "${harmless[@]}"; do sweep_args+=(--scenario "scenarios/$s.yaml"); done
out="$target/clustersim/planted-bugs-off"
rm -rf "$out" && mkdir -p "$out"
"$bin" sweep "${sweep_args[@]}" --out "$out/planted-bugs" >"$out.planted-bugs.log" 2>&1 || true
cargo build --release --quiet
"$target/release/clustersim" --bug early-ack bugs >/dev/null 2>&1 && { echo "the production build accepted --bug" >&2; status=1; }
"$target/release/clustersim" sweep "${sweep_args[@]}" --out "$out/production" >"$out.production.log" 2>&1 || true
python3 - "$out/planted-bugs/sweep.json" "$out/production/sweep.json" <<'PY' || status=1
import json, sys
def runs(path):
    report = json.load(open(path))
    return {(s["file"], r["seed"]): (r.get("trace_hash"), r["exit_code"]) for s in report["scenarios"] for r in s["results"]}
test, prod = runs(sys.argv[1]), runs(sys.argv[2])
bad = [k for k in sorted(prod) if test.get(k) != prod[k] or prod[k][0] is None]
for k in bad:
    print(f"FAIL {k[0]} seed {k[1]}: test build (no bug) {test.get(k)}, production {prod[k]}", file=sys.stderr)
if len(prod) != len(test) or not prod:
    print(f"FAIL: {len(test)} runs of the test build, {len(prod)} of the production build", file=sys.stderr)
    sys.exit(1)
print(f"test build with no bug on: {len(prod) - len(bad)} of {len(prod)} runs give the production trace hash")
sys.exit(1 if bad else 0)
PY
echo "planted-bugs.sh: $((SECONDS - started)) s"
exit $status
