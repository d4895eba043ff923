#!/usr/bin/env bash
# Mutation testing of nodes/ (the system under test): cargo-mutants plants one small change at a
# time (a flipped comparison, a replaced return value, a deleted statement) and runs the whole
# workspace's tests against it. The tests include every shipped scenario at its pinned seed
# and the checkers over their histories (sim-core/tests/scenarios.rs, sweeps.rs), so a mutant
# is killed when a unit test fails or when a run of the simulated cluster breaks a property.
#
#   bash scripts/mutants.sh                 # a sample: shard 1 of 8 of nodes/'s mutants
#   SHARD=3/8 bash scripts/mutants.sh       # another sample
#   SHARD=  bash scripts/mutants.sh         # every mutant (hours on 2 cores)
#   LIST=1 bash scripts/mutants.sh          # only count and list the mutants
#
# Prints the kill rate over viable mutants (caught / (caught + missed); unviable ones do not
# build, timeouts count as caught) and the survivors, which are in target/mutants/mutants.out/.
# Install once with `cargo install cargo-mutants --locked`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-mutants >/dev/null || { echo "error: cargo-mutants is not installed (cargo install cargo-mutants --locked)" >&2; exit 2; }
out=target/mutants
args=(--package clustersim-nodes --test-workspace true --output "$out" --no-shuffle)
if [ -n "${SHARD-0/8}" ]; then args+=(--shard "${SHARD-0/8}"); fi
if [ -n "${LIST:-}" ]; then
  cargo mutants "${args[@]}" --list
  exit 0
fi
# The release profile: each mutant rebuilds nodes and what depends on it, and the scenario
# tests then run in seconds rather than minutes.
cargo mutants "${args[@]}" --timeout-multiplier 3 -- --release || true
dir="$out/mutants.out"
count() { [ -f "$dir/$1.txt" ] && grep -c . "$dir/$1.txt" || echo 0; }
caught=$(count caught); missed=$(count missed); timeout=$(count timeout); unviable=$(count unviable)
viable=$((caught + missed + timeout))
echo "mutants: $viable viable ($caught caught, $timeout timed out, $missed missed), $unviable unviable"
if [ "$viable" -gt 0 ]; then
  echo "kill rate: $(( (caught + timeout) * 100 / viable ))%"
fi
if [ "$missed" -gt 0 ]; then
  echo "survivors:"
  sed 's/^/  /' "$dir/missed.txt"
fi
