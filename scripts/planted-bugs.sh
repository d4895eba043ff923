#!/usr/bin/env bash
# Proves the checkers catch the bugs planted behind test-only features: for each `bug-X`
# feature of `nodes`, builds the broken binary and requires every entry of
# scenarios/regressions/X.txt to fail its property (`corpus --expect-fail`). Then rebuilds the
# correct binary, so later steps use it. Exit 0 when every planted bug was caught.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
status=0
for bug in early-ack false-dominance hidden-handoff ack-before-sync serve-corrupt no-write-back stale-append lease-overrun; do
  echo "-- bug-$bug"
  cargo build --release --quiet --features "clustersim-nodes/bug-$bug"
  cp "$target/release/clustersim" "$target/clustersim-bug-$bug"
  "$target/clustersim-bug-$bug" corpus --expect-fail "scenarios/regressions/$bug.txt" || status=1
done
cargo build --release --quiet
exit $status
