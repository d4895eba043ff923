#!/usr/bin/env bash
# Mutation testing of nodes/ (the system under test): cargo-mutants lists small changes (a flipped
# comparison, a replaced return value, a deleted statement) and this script applies them one at a
# time and runs the tests against each. The tests include every shipped scenario at its pinned
# seed and the checkers over their histories (sim-core/tests/scenarios.rs, sweeps.rs), so a
# mutant is killed when a unit test fails or when a run of the simulated cluster breaks a property.
#
#   bash scripts/mutants.sh                 # a sample: shard 0 of 20 (about 160 mutants)
#   SHARD=3/20 bash scripts/mutants.sh      # another sample
#   SHARD=  bash scripts/mutants.sh         # every mutant (about 3,250: days on 2 cores)
#   LIST=1 bash scripts/mutants.sh          # only list the sample
#   RETEST=1 bash scripts/mutants.sh        # test the survivors again (after adding tests)
#   FRESH=1 bash scripts/mutants.sh         # forget earlier results and start over
#   PASS=1 (or 2) bash scripts/mutants.sh  # only pass 1 (or 2): see below
#
# Two passes, because rebuilding the simulator (sim-core) after a change in nodes/ is most of the
# cost (about 56 s; nodes/ and its own tests rebuild in about 10 s):
#   1. every mutant of the sample against the tests of nodes/ alone;
#   2. the mutants pass 1 missed, against the whole workspace.
# A mutant caught in pass 1 would be caught by the whole workspace too, which runs those tests.
#
# Results accumulate in target/mutants/runs/ (one line per mutant, with build and test times in
# times.txt), and a run goes on where the last one stopped: interrupt it with Ctrl-C. They are
# kept by mutant name (file:line:column and the change), so results of mutants whose lines moved
# are ignored. Prints the kill rate over viable mutants (caught / (caught + missed); unviable ones
# do not build; a timeout counts as caught) and the survivors.
#
# It edits this checkout in place (each file is restored after its mutant): leave nodes/ alone
# while it runs. It builds in target/mutants/build (the first run builds everything once, about
# 6 minutes), with mold as the linker when it is installed. Why not cargo-mutants' own runner:
# its copies of the tree rebuild the workspace from scratch (the target's fingerprints name the
# original path); its --iterate applies --shard to the mutants left after the caught ones, so a
# resumed run tests another sample; and --re does not filter struct-field deletions.
# Needs cargo-mutants (cargo install cargo-mutants --locked) for the list, python3 and patch.
set -euo pipefail
command -v cargo-mutants >/dev/null || { echo "error: cargo-mutants is not installed (cargo install cargo-mutants --locked)" >&2; exit 2; }
exec python3 "$(dirname "$0")/mutants.py"
