#!/usr/bin/env bash
# The long fuzz run: generated scenarios (small valid bases mutated field by field with extreme
# numbers, wrong types, repeated items and contradictory faults; see sim-core/src/fuzz/), each
# run as a `clustersim run` child process. Every case must be refused with a location (exit 2)
# or run cleanly (exit 0, 1 or 3) within 10 s of wall time and 1 GiB of peak memory; a panic,
# an abort, a signal or a limit broken is a finding. Prints the figures and writes
# target/clustersim/fuzz/fuzz.json, with every finding's scenario and stderr in findings/.
#
#   scripts/fuzz.sh                       100,000 cases of seed 1 (about 30 min on 2 cores)
#   CASES=1000 scripts/fuzz.sh            a short run (what CI does, about 20 s)
#   CASES=5000 SEED=7 scripts/fuzz.sh     another seed; other flags (--jobs, --first) go to `clustersim fuzz`
#
# Exit code: 0 without findings, 1 with.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
target=${CARGO_TARGET_DIR:-target}
exec "$target/release/clustersim" fuzz --cases "${CASES:-100000}" --seed "${SEED:-1}" \
  --time-limit 10s --memory-limit-mib 1024 --out "$target/clustersim/fuzz" "$@"
