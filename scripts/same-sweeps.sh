#!/usr/bin/env bash
# Compares two sweep.json files seed by seed: trace hash, exit code and operation count must
# be equal for every (scenario, seed) in either file. Use it to show that a refactoring changed
# no behaviour: sweep before and after, then
#
#   bash scripts/same-sweeps.sh before/sweep.json after/sweep.json
#
# Prints the runs compared and every difference; exit 0 when there is none, 1 otherwise.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 A/sweep.json B/sweep.json" >&2; exit 2; }
command -v jq >/dev/null || { echo "error: jq is not installed (Debian: apt-get install jq)" >&2; exit 2; }
rows() {
  jq -r '.scenarios[] | .name as $s | .results[] | "\($s) \(.seed) \(.trace_hash) \(.exit_code) \(.ops)"' "$1" | sort
}
a=$(mktemp) b=$(mktemp)
trap 'rm -f "$a" "$b"' EXIT
rows "$1" >"$a"
rows "$2" >"$b"
echo "runs: $(wc -l <"$a") in $1, $(wc -l <"$b") in $2"
if diff <(cat "$a") <(cat "$b") >/dev/null; then
  echo "identical: every run has the same trace hash, exit code and operation count"
  exit 0
fi
echo "differences (< $1, > $2; columns: scenario seed trace-hash exit-code ops):"
diff "$a" "$b" | grep '^[<>]' | head -40
exit 1
