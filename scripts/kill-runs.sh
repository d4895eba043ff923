#!/usr/bin/env bash
# Kills `clustersim run` at random points and checks that its report folder is never partial or
# a mix of two runs. One --out folder is reused throughout: each round starts a run of another
# seed into it and sends SIGKILL after a random delay (from at once to past the run's end);
# afterwards the folder must be one whole run, of the old seed or of the new one: every file
# present, every plot summary.json lists, and summary.json, trace-hash.txt, command.txt,
# ops.csv and index.html agreeing with each other and with a reference run of that seed.
#
#   scripts/kill-runs.sh [ROUNDS] [SCENARIO]     (default 100 rounds of scenarios/two-replicas-down.yaml)
#   CLUSTERSIM_BIN=path/to/clustersim scripts/kill-runs.sh   (another build, e.g. an older one)
#
# Exit code: 0 when every round left a whole folder, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-100}
scenario=${2:-scenarios/two-replicas-down.yaml}
if [ -z "${CLUSTERSIM_BIN:-}" ]; then cargo build --release --quiet; fi
bin=${CLUSTERSIM_BIN:-${CARGO_TARGET_DIR:-target}/release/clustersim}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seeds=(1 2 3 4 5)

# Reference runs: the trace hash and operation count of each seed, and how long a run takes.
started=$(date +%s%N)
for s in "${seeds[@]}"; do
  "$bin" run --scenario "$scenario" --seed "$s" --out "$work/ref-$s" >/dev/null 2>&1 || true
done
run_ms=$(( ($(date +%s%N) - started) / 1000000 / ${#seeds[@]} ))
echo "reference runs: ${run_ms} ms each; killing at 0..$((run_ms * 6 / 5)) ms"

out="$work/out"
"$bin" run --scenario "$scenario" --seed 1 --out "$out" >/dev/null 2>&1 || true

# Prints the seed of the whole run in folder $1, or why it is not one.
check_folder() {
  python3 - "$1" "$work" <<'EOF'
import json, os, sys
d, work = sys.argv[1], sys.argv[2]
def fail(why):
    print("BROKEN: " + why); sys.exit(1)
if not os.path.isdir(d):
    fail("no folder")
for f in ["index.html", "summary.json", "summary.md", "ops.csv", "trace-hash.txt", "command.txt"]:
    if not os.path.isfile(os.path.join(d, f)):
        fail("missing " + f)
try:
    s = json.load(open(os.path.join(d, "summary.json")))
except ValueError as e:
    fail("summary.json does not parse: %s" % e)
seed = s["seed"]
ref = json.load(open(os.path.join(work, "ref-%d" % seed, "summary.json")))
if s["trace_hash"] != ref["trace_hash"]:
    fail("summary.json trace hash is not seed %d's" % seed)
if open(os.path.join(d, "trace-hash.txt")).read().strip() != s["trace_hash"]:
    fail("trace-hash.txt is another run's")
command = open(os.path.join(d, "command.txt")).read()
if not command.strip().endswith("--seed %d" % seed):
    fail("command.txt is another run's: " + command.strip())
ops = sum(1 for _ in open(os.path.join(d, "ops.csv"))) - 1
if ops != sum(r["total"] for r in s["ops"] if r["kind"] == "all"):
    fail("ops.csv has %d operations, summary.json another count" % ops)
if open(os.path.join(d, "ops.csv")).read() != open(os.path.join(work, "ref-%d" % seed, "ops.csv")).read():
    fail("ops.csv is not seed %d's" % seed)
page = open(os.path.join(d, "index.html")).read()
if ("--seed %d<" % seed) not in page and ("--seed %d\n" % seed) not in page and ("--seed %d " % seed) not in page:
    fail("index.html is another run's")
for p in s["plots"]:
    for f in (p["png"], p["svg"]):
        if os.path.getsize(os.path.join(d, f)) != os.path.getsize(os.path.join(work, "ref-%d" % seed, f)):
            fail("plot %s is not seed %d's whole plot" % (f, seed))
print(seed)
EOF
}

status=0
old=1 kept_old=0 took_new=0 done_rounds=0
for round in $(seq 1 "$rounds"); do
  done_rounds=$round
  new=${seeds[$((RANDOM % ${#seeds[@]}))]}
  [ "$new" = "$old" ] && new=$(( old % ${#seeds[@]} + 1 ))
  delay_ms=$(( RANDOM % (run_ms * 6 / 5 + 1) ))
  "$bin" run --scenario "$scenario" --seed "$new" --out "$out" >/dev/null 2>&1 &
  pid=$!
  sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if seed=$(check_folder "$out"); then
    if [ "$seed" = "$new" ]; then took_new=$((took_new + 1)); else kept_old=$((kept_old + 1)); fi
    [ "$seed" = "$old" ] || [ "$seed" = "$new" ] || { echo "round $round: seed $seed is neither $old nor $new"; status=1; }
    old=$seed
  else
    echo "round $round (seed $old -> $new, killed after ${delay_ms} ms): $seed"
    status=1
    break
  fi
done
leftovers=$(find "$work" -maxdepth 1 -name '.out.partial-*' | wc -l)
echo "$done_rounds rounds: $kept_old kept the old run whole, $took_new have the new run whole; staging folders left beside it: $leftovers"
[ "$status" -eq 0 ] && echo "every round left one whole run" || echo "FAILED: a round left a partial or mixed folder"
exit $status
