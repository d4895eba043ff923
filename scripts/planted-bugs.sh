#!/usr/bin/env bash
# Proves the checkers catch the bugs planted behind test-only features: for each `bug-X`
# feature of `nodes`, builds the broken binary and requires every entry of
# scenarios/regressions/X.txt to fail its property (`corpus --expect-fail`). Then rebuilds the
# correct binary, so later steps use it. Exit 0 when every planted bug was caught.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
status=0
for bug in early-ack false-dominance hidden-handoff ack-before-sync serve-corrupt no-write-back stale-append lease-overrun eager-rebalance skip-sync sticky-down open-cutover; do
  echo "-- bug-$bug"
  cargo build --release --quiet --features "clustersim-nodes/bug-$bug"
  cp "$target/release/clustersim" "$target/clustersim-bug-$bug"
  "$target/clustersim-bug-$bug" corpus --expect-fail "scenarios/regressions/$bug.txt" || status=1
  if [ "$bug" = early-ack ]; then
    # explain must tell the shrunk failure's story: the stale read and the write it missed.
    out="$target/clustersim/planted-early-ack-explain"
    "$target/clustersim-bug-$bug" run --scenario scenarios/regressions/early-ack-minimal.yaml --out "$out" >/dev/null 2>&1 || true
    "$target/clustersim-bug-$bug" explain "$out" 2>/dev/null | grep -q "the write it missed" || { echo "explain told no story of early-ack-minimal" >&2; status=1; }
  fi
done
cargo build --release --quiet
exit $status
