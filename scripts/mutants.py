#!/usr/bin/env python3
"""Mutation testing of nodes/ (the system under test), in two passes. See scripts/mutants.sh."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "target" / "mutants"
RUNS = OUT / "runs"
KINDS = ("caught", "missed", "unviable", "timeout")
PASSES = {
    # Pass 1: the tests of nodes/ alone; a rebuild takes about 10 s.
    "pass1": ["--package", "clustersim-nodes"],
    # Pass 2: the whole workspace (unit tests, every shipped scenario, the checkers); a rebuild
    # of the simulator takes about 56 s. A mutant caught in pass 1 is caught here too.
    "pass2": ["--workspace"],
}


def env():
    e = dict(os.environ)
    # A target of its own, so that mutants never evict the checkout's normal build.
    e.setdefault("CARGO_TARGET_DIR", str(OUT / "build"))
    if "RUSTFLAGS" not in e:
        # The workspace's .cargo/config.toml sets `--cfg madsim`; RUSTFLAGS replaces it, so
        # keep it. mold links the test binaries faster than the default linker.
        flags = ["--cfg", "madsim"]
        if shutil.which("mold"):
            flags += ["-C", "link-arg=-fuse-ld=mold"]
        e["RUSTFLAGS"] = " ".join(flags)
    return e


def run(cmd, timeout=None):
    """Runs cmd in its own process group; returns (exit code or None on timeout, output)."""
    p = subprocess.Popen(cmd, cwd=ROOT, env=env(), stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
        return p.returncode, out.decode(errors="replace")
    except subprocess.TimeoutExpired:
        kill_session(p.pid)
        out, _ = p.communicate()
        return None, out.decode(errors="replace")
    except BaseException:
        kill_session(p.pid)
        p.wait()
        raise


def kill_session(sid):
    """Kills every process of the session cmd started: nextest runs each test in a process
    group of its own, so killing cmd's group left a mutant's endless test running."""
    os.killpg(sid, signal.SIGKILL)
    subprocess.run(["pkill", "-KILL", "-s", str(sid)], check=False)


def sample(shard):
    cmd = ["cargo", "mutants", "--workspace", "--file", "nodes/src/**", "--no-shuffle",
           "--list", "--json"]
    if shard:
        cmd += ["--shard", shard, "--sharding", "round-robin"]
    code, out = run(cmd)
    if code != 0:
        sys.exit(f"error: cargo mutants --list failed:\n{out}")
    return [m for m in json.loads(out) if not planted_switch(m)]


def planted_switch(m):
    """True for a mutant of the planted-bug machinery, equivalent in the build the tests use
    (planted bugs are constantly off there; `scripts/planted-bugs.sh` tests the switches):
    bugs.rs itself, or a condition `bugs::on(..) && ...` replaced with `false`, which it is."""
    if m["file"] == "nodes/src/bugs.rs":
        return True
    span = m["span"]
    if m.get("replacement") != "false" or span["start"]["line"] != span["end"]["line"]:
        return False
    line = (ROOT / m["file"]).read_text().splitlines()[span["start"]["line"] - 1]
    text = line[span["start"]["column"] - 1:span["end"]["column"] - 1]
    return text.startswith("bugs::on(") and "||" not in text


def outcomes(pass_name, kinds):
    names = set()
    for d in RUNS.glob(f"*-{pass_name}"):
        for kind in kinds:
            f = d / "mutants.out" / f"{kind}.txt"
            if f.exists():
                names.update(line for line in f.read_text().splitlines() if line)
    return names


def test_mutant(m, pass_args, timeout):
    """Applies one mutant, builds and tests; returns (kind, build s, test s). Always restores."""
    path = ROOT / m["file"]
    original = path.read_bytes()
    try:
        p = subprocess.run(["patch", "--quiet", "--forward", str(path)],
                           input=m["diff"].encode(), capture_output=True)
        if p.returncode != 0:
            return "unviable", 0.0, 0.0
        t0 = time.monotonic()
        code, _ = run(["cargo", "nextest", "run", "--no-run", *pass_args], timeout=1800)
        t1 = time.monotonic()
        if code != 0:
            return "unviable", t1 - t0, 0.0
        code, _ = run(["cargo", "nextest", "run", "--max-fail", "1:immediate", "--no-tests=pass",
                       *pass_args], timeout=timeout)
        t2 = time.monotonic()
        kind = "timeout" if code is None else ("missed" if code == 0 else "caught")
        return kind, t1 - t0, t2 - t1
    finally:
        path.write_bytes(original)


def run_pass(pass_name, todo, timeout):
    if not todo:
        return
    n = len(list(RUNS.glob("*-pass*")))
    d = RUNS / f"{n:03d}-{pass_name}" / "mutants.out"
    d.mkdir(parents=True)
    print(f"{pass_name}: {len(todo)} mutants ({d.parent})", flush=True)
    for i, m in enumerate(todo, 1):
        kind, build_s, test_s = test_mutant(m, PASSES[pass_name], timeout)
        with open(d / f"{kind}.txt", "a") as f:
            f.write(m["name"] + "\n")
        with open(d / "times.txt", "a") as f:
            f.write(f"{kind}\t{build_s:.1f}\t{test_s:.1f}\t{m['name']}\n")
        print(f"  [{i}/{len(todo)}] {kind:8} build {build_s:5.1f} s, tests {test_s:5.1f} s  {m['name']}",
              flush=True)


def main():
    shard = os.environ.get("SHARD", "0/20")
    timeout = float(os.environ.get("TIMEOUT", "120"))
    mutants = sample(shard)
    names = {m["name"] for m in mutants}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "sample.txt").write_text("".join(f"{m['name']}\n" for m in mutants))
    if os.environ.get("LIST"):
        print((OUT / "sample.txt").read_text(), end="")
        return
    if os.environ.get("FRESH"):
        shutil.rmtree(RUNS, ignore_errors=True)
    RUNS.mkdir(parents=True, exist_ok=True)
    if os.environ.get("RETEST"):
        for f in RUNS.glob("*-pass2/mutants.out/missed.txt"):
            f.unlink()

    only = os.environ.get("PASS", "")
    if only in ("", "1"):
        done1 = outcomes("pass1", KINDS)
        run_pass("pass1", [m for m in mutants if m["name"] not in done1], timeout)
    if only in ("", "2"):
        missed1 = outcomes("pass1", ["missed"])
        done2 = outcomes("pass2", KINDS)
        run_pass("pass2", [m for m in mutants if m["name"] in missed1 and m["name"] not in done2],
                 timeout)

    # The tally, over this sample only (results of mutants whose lines moved are ignored).
    caught = (outcomes("pass1", ["caught", "timeout"]) | outcomes("pass2", ["caught", "timeout"])) & names
    unviable = (outcomes("pass1", ["unviable"]) | outcomes("pass2", ["unviable"])) & names - caught
    missed = outcomes("pass2", ["missed"]) & names - caught - unviable
    untested = names - caught - unviable - missed
    for kind, s in (("caught", caught), ("unviable", unviable), ("missed", missed),
                    ("untested", untested)):
        (OUT / f"{kind}.txt").write_text("".join(f"{x}\n" for x in sorted(s)))
    viable = len(caught) + len(missed)
    print(f"sample ({shard or 'all'}): {len(names)} mutants; {viable} viable ({len(caught)} caught, "
          f"{len(missed)} missed), {len(unviable)} unviable, {len(untested)} not yet tested")
    if viable:
        print(f"kill rate: {100 * len(caught) // viable}%")
    if missed:
        print("survivors:")
        for x in sorted(missed):
            print(f"  {x}")
    print(f"lists: {OUT.relative_to(ROOT)}/{{caught,missed,unviable,untested}}.txt")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: the mutated file was restored; run again to go on")
