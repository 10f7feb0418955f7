#!/usr/bin/python3
"""The container's readiness wrapper with the real processor, on the embedded
broker, with the configuration files of deploy/ as they are (only the
bootstrap address and the report interval come from the environment, the
way Kubernetes and compose pass settings).

usage: test_readiness.py SOURCE_DIR BUILD_DIR TEST
  probe    casewatch-run + casewatch-ready through start, restore, work and
           SIGTERM, two members with static membership (deploy/kubernetes);
           "ready" is only ever seen after the restore of every assigned
           partition and a counter line of the main loop
  configs  each deploy/*/processor.conf starts a processor that joins, restores
           and reports through casewatch-run (librdkafka accepts every kafka.*
           key of each file: it refuses unknown or bad ones at start)
  idle     more members than partitions: what an idle member's probe says
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

SRC, BUILD, TEST = sys.argv[1], sys.argv[2], sys.argv[3]
os.environ["CW_BUILD"] = BUILD
sys.path.insert(0, os.path.join(SRC, "tests/kafka"))
import harness as h  # noqa: E402

RUN = os.path.join(SRC, "deploy/container/casewatch-run")
READY = os.path.join(SRC, "deploy/container/casewatch-ready")
PROCESSOR = os.path.join(BUILD, "consumers/processor/casewatch-processor")


def topics(n):
    return {"case-events": n, "case-alerts": n, "casewatch-state": n, "case-events-dlq": 1}


class Wrapped:
    """casewatch-run casewatch-processor --config CONF, as in the image."""

    def __init__(self, tmp, name, conf, bootstrap, env=None):
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir)
        self.log = os.path.join(self.dir, "stderr")
        e = {k: v for k, v in os.environ.items() if not k.startswith("CASEWATCH_")}
        e.update({"CW_RUN_DIR": self.dir, "CW_READY_MAX_AGE": "5",
                  "CASEWATCH_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                  "CASEWATCH_PROCESSOR_REPORT_INTERVAL": "1s"})
        e.update(env or {})
        self.env = e
        self.proc = subprocess.Popen([RUN, PROCESSOR, "--config", conf], env=e,
                                     stderr=open(self.log, "w"))
        h._children.append(self.proc)
        self.seen = []  # (state line of casewatch-ready, log text at that moment)

    def probe(self):
        r = subprocess.run([READY], env=self.env, capture_output=True, text=True)
        text = open(self.log).read()
        out = r.stdout.strip()
        if not self.seen or self.seen[-1][0] != out:
            self.seen.append((out, text))
        assert (r.returncode == 0) == (out == "ready"), (r.returncode, out)
        return r.returncode == 0

    def logtext(self):
        return open(self.log).read()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)  # the wrapper exec'd: this is the processor
        return self.proc.wait(30)


def check_ready_after_restore(w):
    """At every moment the probe first said ready, the log showed: an
    assignment, then a restore line for the partitions it brought, then a
    counter line of the main loop."""
    for out, text in w.seen:
        if out != "ready":
            continue
        lines = text.splitlines()
        assigned = [i for i, l in enumerate(lines) if " rebalance: assigned " in l]
        assert assigned, "ready without an assignment"
        last = assigned[-1]
        n = int(lines[last].split(" rebalance: assigned ")[1].split()[0])
        restored = [i for i, l in enumerate(lines) if " restored partition " in l and i > last]
        counters = [i for i, l in enumerate(lines) if " consumed=" in l and i > last]
        assert n == 0 or restored, f"ready before any restore of {n} partitions:\n{text[-1500:]}"
        assert len(restored) == n, f"{n} assigned, {len(restored)} restored:\n{text[-1500:]}"
        assert counters and (not restored or counters[-1] > restored[-1]), text[-1500:]


def wait_ready(ws, timeout=60):
    assert h.wait_for(lambda: all([w.probe() for w in ws]), timeout_s=timeout, step=0.05), (
        "not ready: " + " | ".join(w.seen[-1][0] + "\n" + w.logtext()[-1500:] for w in ws))


def test_probe(tmp):
    global T0
    T0 = time.time()
    conf = os.path.join(SRC, "deploy/kubernetes/processor.conf")
    b = h.Broker(topics(4))
    try:
        lines = subprocess.run(["/usr/bin/python3", os.path.join(SRC, "tests/bench/gen_events.py"),
                                "3000", "7"], capture_output=True, check=True,
                               text=True).stdout.splitlines()
        h.produce(b.bootstrap, "case-events", lines)
        # 1. one member: starts not ready, gets ready, works, stops not ready
        a = Wrapped(tmp, "a", conf, b.bootstrap,
                    {"CASEWATCH_KAFKA_GROUP_INSTANCE_ID": "casewatch-processor-0"})
        assert h.wait_for(lambda: os.path.exists(os.path.join(a.dir, "ready")), 10)
        assert not a.probe() and a.seen[0][0] in ("not ready: starting",
                                                   "not ready: restoring"), a.seen
        wait_ready([a])
        assert h.wait_for(lambda: f"consumed={len(lines)} " in a.logtext(), 120), \
            a.logtext()[-1500:]
        assert a.stop() == 0, a.logtext()[-2000:]
        assert not a.probe() and a.seen[-1][0] == "not ready: stopping", a.seen[-1][0]
        check_ready_after_restore(a)
        print(f"{time.time() - T0:.1f}s one member: states {[s for s, _ in a.seen]}")
        # 2. two members (the StatefulSet's pods): each restores its partitions
        # from the changelog the first run wrote before it says ready
        ws = [Wrapped(tmp, f"m{i}", conf, b.bootstrap,
                      {"CASEWATCH_KAFKA_GROUP_INSTANCE_ID": f"casewatch-processor-{i}",
                       # a new group: the first run's static member would hold its
                       # partitions for the file's session timeout (45 s)
                       "CASEWATCH_PROCESSOR_GROUP_ID": "casewatch-processor-2"})
              for i in range(2)]
        wait_ready(ws, 120)
        print(f"{time.time() - T0:.1f}s two members ready")
        time.sleep(2)
        for w in ws:
            w.probe()
        restored = sum(int(l.split(" cases")[0].split(", ")[-1])
                       for w in ws for l in w.logtext().splitlines()
                       if " restored partition " in l)
        assert restored > 0, "nothing restored from the changelog"
        for w in ws:
            assert w.stop() == 0, w.logtext()[-2000:]
            check_ready_after_restore(w)
            print(f"member {w.dir[-2:]}: states {[s for s, _ in w.seen]}")
        print(f"{time.time() - T0:.1f}s two members: {restored} cases restored before ready")
        # 3. a stale file: a main loop that stopped reporting is not ready
        s = Wrapped(tmp, "s", conf, b.bootstrap, {"CASEWATCH_PROCESSOR_GROUP_ID": "stale"})
        wait_ready([s])
        s.proc.send_signal(signal.SIGSTOP)
        assert h.wait_for(lambda: not s.probe(), 15), "a stopped processor stayed ready"
        assert "no counter line" in s.seen[-1][0], s.seen[-1][0]
        s.proc.send_signal(signal.SIGCONT)
        assert s.stop() == 0
        print(f"stopped process: {s.seen[-1][0]}")
    finally:
        b.stop()


def read_conf(path):
    return dict((k.strip(), v.strip()) for k, _, v in
                (l.partition("=") for l in open(path).read().splitlines()
                 if l.strip() and not l.strip().startswith("#")))


def test_configs(tmp):
    # The deployment configs follow deploy/local/processor.conf (the reviewed
    # example) in the DLQ cut and set a heartbeat well inside the session
    # timeout (librdkafka's rule: at most a third of it).
    local = read_conf(os.path.join(SRC, "deploy/local/processor.conf"))
    for d in ("compose", "kubernetes", "systemd"):
        c = read_conf(os.path.join(SRC, "deploy", d, "processor.conf"))
        assert c.get("processor.dlq_max_bytes") == local["processor.dlq_max_bytes"], \
            f"deploy/{d}/processor.conf: processor.dlq_max_bytes {c.get('processor.dlq_max_bytes')}" \
            f", deploy/local has {local['processor.dlq_max_bytes']}"
        st, hb = c.get("kafka.session.timeout.ms"), c.get("kafka.heartbeat.interval.ms")
        assert st and hb and int(hb) * 3 <= int(st), \
            f"deploy/{d}/processor.conf: session timeout {st}, heartbeat {hb}"
    b = h.Broker(topics(3))
    try:
        for d in ("compose", "kubernetes", "systemd"):
            w = Wrapped(tmp, d, os.path.join(SRC, "deploy", d, "processor.conf"), b.bootstrap,
                        {"CASEWATCH_PROCESSOR_GROUP_ID": "cfg-" + d})
            wait_ready([w])
            assert w.stop() == 0, w.logtext()[-2000:]
            # kafka.* keys go only to the clients they are for, so librdkafka
            # has nothing to warn about (no CONFWARN): any warning or error
            # fails.
            bad = [l for l in w.logtext().splitlines() if " WARN " in l or " ERROR " in l]
            assert not bad, "\n".join(bad)
            print(f"deploy/{d}/processor.conf: joined, restored, ready, stopped cleanly")
    finally:
        b.stop()


def test_idle(tmp):
    """2 members, 1 partition: the member without partitions."""
    conf = os.path.join(SRC, "deploy/kubernetes/processor.conf")
    b = h.Broker(topics(1))
    try:
        # The embedded broker (librdkafka's mock cluster) holds a rebalance
        # open for session.timeout.ms - 1 s when a member joins a group that
        # is already stable (rdkafka_mock_cgrp.c): with the 45 s of this file,
        # a member that starts more than 3 s after the other (a loaded CI
        # machine) waits 44 s for its first assignment. A real broker ends
        # the rebalance once every member has rejoined. The session timeout
        # is not what this test is about: 6 s.
        fast = {"CASEWATCH_KAFKA_SESSION_TIMEOUT_MS": "6000",
                "CASEWATCH_KAFKA_HEARTBEAT_INTERVAL_MS": "500"}
        ws = [Wrapped(tmp, f"i{i}", conf, b.bootstrap, fast) for i in range(2)]
        h.wait_for(lambda: all(w.probe() for w in ws), timeout_s=30, step=0.1)
        for w in ws:
            w.probe()
            print(f"member {w.dir[-2:]}: {w.seen[-1][0]}; log: " + " | ".join(
                l.split(" processor: ")[1] for l in w.logtext().splitlines()
                if " rebalance: " in l))
        if not all(w.probe() for w in ws):
            for w in ws:
                print(f"---- {w.dir[-2:]}:\n" + w.logtext()[-3000:])
            raise AssertionError("an idle member is not ready")
        for w in ws:
            assert w.stop() == 0
    finally:
        b.stop()


with tempfile.TemporaryDirectory() as tmp:
    {"probe": test_probe, "configs": test_configs, "idle": test_idle}[TEST](tmp)
print(f"readiness {TEST}: passed")
