#!/usr/bin/python3
"""Sizing figures for deploy/README.md (a benchmark, not in ctest): the
processor's memory with N open cases and its restore time, on the embedded
broker (librdkafka's mock cluster, loopback, one core busy with it).

usage: bench_processor.py SOURCE_DIR BUILD_DIR [CASES ...]   (default 25000 50000 100000)

Per size: generate the caseload (tests/bench/gen_events.py), produce it to
48 partitions (the mock keeps ~5 MiB per partition), run one processor with
deploy/kubernetes/processor.conf until it has consumed everything and report
its peak RSS; stop it; start it again in the same group, so it restores every
partition from the changelog and has nothing else to do, and report the
restore time (its "restore done" lines), the wall time to
ready, the changelog size and the RSS after the restore.
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

SRC, BUILD = sys.argv[1], sys.argv[2]
SIZES = [int(a) for a in sys.argv[3:]] or [25000, 50000, 100000]
os.environ["CW_BUILD"] = BUILD
sys.path.insert(0, os.path.join(SRC, "tests/kafka"))
import harness as h  # noqa: E402

RUN = os.path.join(SRC, "deploy/container/casewatch-run")
READY = os.path.join(SRC, "deploy/container/casewatch-ready")
PROCESSOR = os.path.join(BUILD, "consumers/processor/casewatch-processor")
CONF = os.path.join(SRC, "deploy/kubernetes/processor.conf")
PARTS = 48


def status(pid, field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # MiB
    return 0


def start(tmp, name, bootstrap):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWATCH_")}
    env.update({"CW_RUN_DIR": d, "CASEWATCH_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                "CASEWATCH_PROCESSOR_REPORT_INTERVAL": "1s",
                "CASEWATCH_KAFKA_SESSION_TIMEOUT_MS": "6000"})
    log = os.path.join(d, "stderr")
    p = subprocess.Popen([RUN, PROCESSOR, "--config", CONF], env=env, stderr=open(log, "w"))
    h._children.append(p)
    return p, log, env


def ready(env):
    return subprocess.run([READY], env=env, capture_output=True).returncode == 0


print(f"{'cases':>7} {'events':>8} {'open':>7} {'peak RSS MiB':>12} {'changelog recs':>14} "
      f"{'restore ms':>10} {'to ready s':>10} {'RSS after restore':>17} {'B/open case':>11}")
for cases in SIZES:
    with tempfile.TemporaryDirectory() as tmp:
        lines = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "tests/bench/gen_events.py"),
                                str(cases)], capture_output=True, check=True,
                               text=True).stdout.splitlines()
        b = h.Broker({"case-events": PARTS, "case-alerts": PARTS, "casewatch-state": PARTS,
                      "case-events-dlq": 1})
        try:
            h.produce(b.bootstrap, "case-events", lines)
            # run 1: process everything
            p, log, env = start(tmp, "run1", b.bootstrap)
            assert h.wait_for(lambda: f"consumed={len(lines)} " in open(log).read(), 600, 0.5), \
                open(log).read()[-2000:]
            time.sleep(2)
            peak = status(p.pid, "VmHWM")
            p.send_signal(signal.SIGTERM)
            assert p.wait(60) == 0
            text = open(log).read()
            records = max(int(x) for x in re.findall(r" changelog=(\d+)", text))
            # run 2: restore only
            t0 = time.time()
            p, log, env = start(tmp, "run2", b.bootstrap)
            assert h.wait_for(lambda: ready(env), 600, 0.1), open(log).read()[-2000:]
            to_ready = time.time() - t0
            rss = status(p.pid, "VmRSS")
            p.send_signal(signal.SIGTERM)
            assert p.wait(60) == 0
            text = open(log).read()
            restored = re.findall(r"restored partition \d+: (\d+) changelog records, (\d+) cases, "
                                  r"\d+ open obligations, \d+ corrupt, (\d+) ms", text)
            open_cases = sum(int(c) for _, c, _ in restored)
            # The "restore done" lines give the wall time (a partition's
            # ms counts from the start of the whole restore).
            restore_ms = sum(int(ms) for ms in re.findall(
                r"restore done: \d+ partition\(s\) in (\d+) ms", text))
        finally:
            b.stop()
        print(f"{cases:>7} {len(lines):>8} {open_cases:>7} {peak:>12.1f} {records:>14} "
              f"{restore_ms:>10} {to_ready:>10.1f} {rss:>17.1f} "
              f"{(rss * 1048576 / open_cases) if open_cases else 0:>11.0f}", flush=True)
