#!/usr/bin/env bash
# Mutation testing of nodes/ (the system under test): cargo-mutants plants one small change at a
# time (a flipped comparison, a replaced return value, a deleted statement) and runs the whole
# workspace's tests against it. The tests include every shipped scenario at its pinned seed
# and the checkers over their histories (sim-core/tests/scenarios.rs, sweeps.rs), so a mutant
# is killed when a unit test fails or when a run of the simulated cluster breaks a property.
#
#   bash scripts/mutants.sh                 # a sample: shard 0 of 20 (about 160 mutants)
#   SHARD=3/20 bash scripts/mutants.sh      # another sample
#   SHARD=  bash scripts/mutants.sh         # every mutant (about 3,250: days on 2 cores)
#   LIST=1 bash scripts/mutants.sh          # only count and list the mutants
#   RESUME=1 bash scripts/mutants.sh        # go on from the last run of the same sample: skip
#                                           # mutants it caught or found unviable, test the rest
#
# Prints the kill rate over viable mutants (caught / (caught + missed); unviable ones do not
# build, timeouts count as caught) and the survivors, which are in target/mutants/mutants.out/.
# Install once with `cargo install cargo-mutants --locked`.
#
# It mutates this checkout in place (each file is restored after its mutant): leave the
# checkout alone while it runs. Why in place, the dev profile and nextest: cargo-mutants'
# copies of the tree rebuild the workspace from scratch (the target's fingerprints name the
# original path) and then take about 9 minutes per mutant on 2 cores; a release rebuild after
# a change in nodes/ takes about 4 minutes (no incremental builds). In place, a dev rebuild
# takes about 20 s and nextest runs every test in about 33 s, stopping at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-mutants >/dev/null || { echo "error: cargo-mutants is not installed (cargo install cargo-mutants --locked)" >&2; exit 2; }
out=target/mutants
args=(--workspace --file "nodes/src/**" --test-workspace true --output "$out" --no-shuffle --test-tool nextest)
if [ -n "${SHARD-0/20}" ]; then args+=(--shard "${SHARD-0/20}" --sharding round-robin); fi
if [ -n "${LIST:-}" ]; then
  cargo mutants "${args[@]}" --list
  exit 0
fi
# No baseline run: cargo-mutants tests only the mutated package there and would size the
# timeout from it (20 s), below the workspace tests the mutants run (about 33 s with nextest),
# so every survivor would time out and count as caught.
if [ -n "${RESUME:-}" ]; then args+=(--iterate); fi
cargo mutants "${args[@]}" --in-place --baseline skip --timeout "${TIMEOUT:-120}" || true
dir="$out/mutants.out"
count() { if [ -s "$dir/$1.txt" ]; then grep -c . "$dir/$1.txt"; else echo 0; fi; }
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
