#!/bin/sh
# Replay benchmark: events/s of casewatch-replay on generated JSON lines,
# next to jansson's bare parse of the same lines (the ceiling), and memory
# per case at several sizes (flat = the same bytes per case as cases grow).
# Usage: tests/bench/replay_bench.sh [BUILD_DIR]   (default build/)
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build}
replay=$build/consumers/replay/casewatch-replay
parse=$build/tests/bench/bench_json_parse
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
exec /usr/bin/python3 - "$replay" "$parse" "$tmp" <<'PY'
import json, os, resource, subprocess, sys, time
replay, parse, tmp = sys.argv[1:4]

def run(cmd, **kw):
    """Runs cmd; returns (seconds, peak RSS in KiB of that child)."""
    pid = os.fork()
    if pid == 0:
        if "stdout" in kw:
            fd = os.open(kw["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
            os.dup2(fd, 1)
        os.execv(cmd[0], cmd)
    t0 = time.perf_counter()
    _, status, ru = os.wait4(pid, 0)
    dt = time.perf_counter() - t0
    if status != 0:
        sys.exit(f"{cmd[0]} failed: {status}")
    return dt, ru.ru_maxrss

print(f"{'cases':>8} {'events':>9} {'parse ev/s':>11} {'replay ev/s':>12} {'ratio':>6} "
      f"{'alerts':>8} {'open oblig.':>11} {'RSS MiB':>8} {'B/case':>7}")
base_rss = None
for cases in (50000, 100000, 200000):
    ev = os.path.join(tmp, f"ev{cases}.jsonl")
    with open(ev, "w") as f:
        subprocess.run(["/usr/bin/python3", "tests/bench/gen_events.py", str(cases)], stdout=f,
                       check=True)
    n = sum(1 for _ in open(ev))
    tp, _ = run([parse, ev], stdout=os.devnull)
    st = os.path.join(tmp, "stats.json")
    tr, rss = run([replay, "--stats", st, "--dlq", os.path.join(tmp, "dlq"), ev],
                  stdout=os.path.join(tmp, "alerts"))
    s = json.load(open(st))
    assert s["events"] == n and s["rejected"] == 0, s
    # RSS of an empty replay is the fixed cost; the rest is per case.
    if base_rss is None:
        empty = os.path.join(tmp, "empty")
        open(empty, "w").close()
        _, base_rss = run([replay, empty], stdout=os.devnull)
    per_case = (rss - base_rss) * 1024 / s["cases"]
    print(f"{s['cases']:>8} {n:>9} {n / tp:>11.0f} {n / tr:>12.0f} {tp / tr:>6.2f} "
          f"{s['alerts']:>8} {s['open_obligations']:>11} {rss / 1024:>8.1f} {per_case:>7.0f}")
PY
