#!/usr/bin/env bash
# Instructions executed by one benchmark, counted by valgrind's callgrind: unlike wall time
# (which varies by 10% or more between runs on a shared machine) the count is the same on
# every run of the same binary, so it shows whether a change made the simulator cheaper.
#
#   bash scripts/bench-instructions.sh [BENCHMARK] [--smoke]     (default: r1; about a minute)
#
# Prints the program's total and the part spent simulating (`sim_core::drive::simulate`, for the
# full-stack benchmarks), and keeps the profile for `callgrind_annotate`.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:-r1}
shift || true
command -v valgrind >/dev/null || { echo "error: valgrind is not installed (Debian: apt-get install valgrind)" >&2; exit 2; }
cargo build --release --quiet
target=${CARGO_TARGET_DIR:-target}
out="$target/clustersim/callgrind.$name.out"
mkdir -p "$(dirname "$out")"
valgrind --tool=callgrind --callgrind-out-file="$out" \
  "$target/release/clustersim" bench --json --only "$name" "$@" >/dev/null 2>"$out.log"
total=$(grep -o 'Collected : [0-9]*' "$out.log" | grep -o '[0-9]*$')
simulate=$(callgrind_annotate --inclusive=yes "$out" 2>/dev/null | grep 'sim_core::drive::simulate ' | head -1 | awk '{print $1}' | tr -d ,)
printf 'benchmark %s: %s instructions in all' "$name" "$total"
if [ -n "$simulate" ]; then printf ', %s simulating' "$simulate"; fi
printf '\nprofile: %s (callgrind_annotate %s | head -40)\n' "$out" "$out"
