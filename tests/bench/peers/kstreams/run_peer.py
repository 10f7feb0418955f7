#!/usr/bin/python3
"""casewatch-processor and the Kafka Streams peer (IntakePeer.java) side by
side on one real Apache Kafka broker and one input of intake events (issue 20
item 5). Not a test: it prints figures, and checks only that both made the
same alert ids.

run_peer.py BUILD_DIR [--cases N] [--restore-cases N] [--parts P]

1. gen_load mix N, filtered to the intake events (report.received,
   protection.assessed, preassessment.extended, investigation.opened /
   not_opened, report.joined, investigation.extended, investigation.concluded);
   produced once as JSON to topic `intake`.
2. Each system alone on it (own output topic, own group): events/s from its
   first to its last event, CPU seconds (utime+stime of /proc/PID/stat) per
   million events over the whole process life until done, RSS after the run
   minus RSS of the same program idle on an empty topic, per open case.
   The wall clock of both is the clock file, set before the input's first
   event, so only stream time fires deadlines: both alert sets are
   deterministic. (With a wall clock past the input, casewatch fired nothing
   at the end in a trial while the peer's idle heuristic fired early on a
   task still behind: not compared here.)
3. The alert ids of both topics are compared as sets.
4. Restore: R open cases (gen_load open) ingested by both, then each is
   restarted with no local state and timed until its state is back
   (processor: "restore done"; Streams: REBALANCING -> RUNNING, the state
   directory removed first).
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "../../../.."))
KAFKA_SH = os.path.join(ROOT, "deploy/kafka/kafka.sh")
INTAKE = {"report.received", "protection.assessed", "preassessment.extended",
          "investigation.opened", "investigation.not_opened", "report.joined",
          "investigation.extended", "investigation.concluded"}
RULES = {"protection_assessment_immediate", "preassessment_14d", "investigation_4_months"}
CLOCK = "2025-01-01T00:00:00+01:00"
TICK = os.sysconf("SC_CLK_TCK")

ap = argparse.ArgumentParser()
ap.add_argument("build")
ap.add_argument("--cases", type=int, default=100_000)
ap.add_argument("--restore-cases", type=int, default=1_000_000)
ap.add_argument("--parts", type=int, default=4)
ap.add_argument("--heap", default="1g", help="-Xmx of the Streams peer")
A = ap.parse_args()
B = {k: os.path.join(A.build, v) for k, v in {
    "gen": "tests/bench/gen_load", "produce": "producers/produce/casewatch-produce",
    "processor": "consumers/processor/casewatch-processor",
    "calendar": "consumers/calendar/casewatch-calendar"}.items()}
T0 = time.time()
tmp = tempfile.mkdtemp(prefix="cw-kspeer-")
children = []
kdir = os.path.join(tmp, "kafka")


def log(msg):
    print(f"[{time.time() - T0:6.1f}s] {msg}", flush=True)


def cleanup():
    for p in children:
        if p.poll() is None:
            p.kill()
            p.wait()
    subprocess.run([KAFKA_SH, "stop", kdir], capture_output=True)
    keep = os.environ.get("CW_PEER_LOGS")
    if keep:
        os.makedirs(keep, exist_ok=True)
        for f in os.listdir(tmp):
            if f.endswith(".log"):
                shutil.copy(os.path.join(tmp, f), keep)
    shutil.rmtree(tmp, ignore_errors=True)


def cpu_s(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def wait_until(pred, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.2)
    sys.exit(f"run_peer: timed out waiting for {what}")


def create(admin, topics):
    fs = admin.create_topics([NewTopic(n, num_partitions=p, replication_factor=1, config=c)
                              for n, (p, c) in topics.items()], operation_timeout=30)
    for f in fs.values():
        f.result()
    wait_until(lambda: all(t in md.topics and all(x.leader >= 0 for x in md.topics[t].partitions.values())
                           for md in [admin.list_topics(timeout=10)] for t in topics), 30, "leaders")
    time.sleep(1)


def highs(topic, parts):
    c = Consumer({"bootstrap.servers": BS, "group.id": "run-peer-probe"})
    n = sum(c.get_watermark_offsets(TopicPartition(topic, i), timeout=10)[1] for i in range(parts))
    c.close()
    return n


def committed(group, topic, parts):
    c = Consumer({"bootstrap.servers": BS, "group.id": group})
    got = c.committed([TopicPartition(topic, i) for i in range(parts)], timeout=10)
    c.close()
    return sum(max(tp.offset, 0) for tp in got)


def read_alerts(topic, parts):
    """{id: alert} of the whole topic."""
    n = highs(topic, parts)
    c = Consumer({"bootstrap.servers": BS, "group.id": f"read-{topic}-{time.time()}",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.assign([TopicPartition(topic, i, 0) for i in range(parts)])
    out, seen = {}, 0
    while seen < n:
        for m in c.consume(10000, timeout=5):
            if m.error():
                continue
            seen += 1
            a = json.loads(m.value())
            out[a["id"]] = a
    c.close()
    return out, n


class Proc:
    """casewatch-processor with the suite's settings."""

    def __init__(self, name, topic, alerts, changelog, group, parts):
        self.log = os.path.join(tmp, f"{name}.log")
        conf = os.path.join(tmp, f"{name}.conf")
        with open(conf, "w") as f:
            for k, v in {"kafka.bootstrap.servers": BS, "kafka.compression.type": "lz4",
                         "kafka.fetch.wait.max.ms": "20",
                         "processor.input_topics": topic, "processor.alert_topic": alerts,
                         "processor.changelog_topic": changelog, "processor.dlq_topic": "dlq",
                         "processor.group_id": group, "processor.live_grace": "0s",
                         "processor.clock_file": CLOCKF, "processor.report_interval": "100ms",
                         "processor.poll_timeout": "20ms"}.items():
                f.write(f"{k} = {v}\n")
        os.chmod(conf, 0o600)
        self.p = subprocess.Popen([B["processor"], "--config", conf], stderr=open(self.log, "w"))
        children.append(self.p)

    def text(self):
        return open(self.log).read()

    def consumed(self):
        m = re.findall(r" consumed=(\d+)", self.text())
        return int(m[-1]) if m else 0

    def first_consumed_at(self):
        for line in self.text().splitlines():
            m = re.search(r" consumed=(\d+)", line)
            if m and int(m.group(1)) > 0:
                return line
        return None

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(60)


class Peer:
    """The Kafka Streams application."""

    def __init__(self, name, topic, alerts, app_id, state):
        self.log = os.path.join(tmp, f"{name}.log")
        cp = os.path.join(HERE, "target/casewatch-kstreams-peer-1.jar") + ":" + \
            os.path.join(HERE, "target/libs/*")
        self.p = subprocess.Popen(
            ["java", f"-Xmx{A.heap}", "-cp", cp, "se.casewatch.peer.IntakePeer", BS, topic,
             alerts, app_id, state, HOLIDAYS, CLOCKF], stderr=open(self.log, "w"))
        children.append(self.p)

    def text(self):
        return open(self.log).read()

    def running_ms(self):
        m = re.findall(r"REBALANCING -> RUNNING at \+(\d+) ms", self.text())
        return int(m[-1]) if m else None

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(60)


def stable_count(topic, parts, quiet=4.0, timeout=300):
    """Waits until the topic stops growing for `quiet` seconds."""
    last, since, end = -1, time.time(), time.time() + timeout
    while time.time() < end:
        n = highs(topic, parts)
        if n != last:
            last, since = n, time.time()
        elif time.time() - since >= quiet:
            return n
        time.sleep(0.5)
    sys.exit(f"run_peer: {topic} never settled")


def run_cw(name, topic, n_events, tag):
    """Baseline RSS on an empty topic, then the run; returns figures."""
    create(ADMIN, {f"cl-{tag}": (P, {"cleanup.policy": "compact"}), f"alerts-{tag}": (P, {}),
                   f"empty-{tag}": (P, {}), f"cl-{tag}-idle": (P, {"cleanup.policy": "compact"}),
                   f"alerts-{tag}-idle": (P, {})})
    idle = Proc(f"{name}-idle", f"empty-{tag}", f"alerts-{tag}-idle", f"cl-{tag}-idle",
                f"g-{tag}-idle", P)
    wait_until(lambda: "consumed=" in idle.text(), 60, "idle processor")
    time.sleep(2)
    base = rss_kib(idle.p.pid)
    idle.stop()
    t = time.time()
    p = Proc(name, topic, f"alerts-{tag}", f"cl-{tag}", f"g-{tag}", P)
    first = None
    while True:
        n = p.consumed()
        if n and first is None:
            first = time.time()
        if n >= n_events:
            break
        if p.p.poll() is not None:
            sys.exit(f"run_peer: processor exited: {p.log}")
        time.sleep(0.05)
    done = time.time()
    cpu_at_done = cpu_s(p.p.pid)
    alerts = stable_count(f"alerts-{tag}", P)
    rss = rss_kib(p.p.pid)
    cpu_end = cpu_s(p.p.pid)
    p.stop()
    return dict(wall=done - first, start_wall=done - t, cpu=cpu_at_done, cpu_end=cpu_end,
                rss=rss, base=base, alerts=alerts)


def run_ks(name, topic, n_events, tag):
    create(ADMIN, {f"alerts-{tag}": (P, {}), f"empty-{tag}": (P, {})})
    idle = Peer(f"{name}-idle", f"empty-{tag}", f"alerts-{tag}", f"ks-{tag}-idle",
                os.path.join(tmp, f"state-{tag}-idle"))
    wait_until(lambda: idle.running_ms() is not None, 120, "idle peer")
    time.sleep(3)
    base = rss_kib(idle.p.pid)
    idle.stop()
    state = os.path.join(tmp, f"state-{tag}")
    t = time.time()
    p = Peer(name, topic, f"alerts-{tag}", f"ks-{tag}", state)
    wait_until(lambda: p.running_ms() is not None or "-> ERROR" in p.text(), 120, "peer running")
    first = time.time()
    while committed(f"ks-{tag}", topic, P) < n_events:
        if p.p.poll() is not None or "-> ERROR" in p.text():
            sys.exit(f"run_peer: peer exited: {p.log}")
        time.sleep(0.2)
    done = time.time()
    cpu_at_done = cpu_s(p.p.pid)
    alerts = stable_count(f"alerts-{tag}", P, quiet=6.0)
    rss = rss_kib(p.p.pid)
    cpu_end = cpu_s(p.p.pid)
    p.stop()
    return dict(wall=done - first, start_wall=done - t, cpu=cpu_at_done, cpu_end=cpu_end,
                rss=rss, base=base, alerts=alerts, state=state, app=f"ks-{tag}")


try:
    if not os.path.exists(os.path.join(HERE, "target/casewatch-kstreams-peer-1.jar")):
        subprocess.run(["mvn", "-B", "-q", "-f", os.path.join(HERE, "pom.xml"),
                        "-Dmaven.repo.local=" + os.environ.get("CW_CACHE", "/var/cache/casewatch")
                        + "/m2", "package", "dependency:copy-dependencies",
                        "-DincludeScope=runtime", "-DoutputDirectory=target/libs"], check=True)
    load0 = open("/proc/loadavg").read().split()[:3]
    P = A.parts
    CLOCKF = os.path.join(tmp, "clock")
    open(CLOCKF, "w").write(CLOCK + "\n")
    HOLIDAYS = os.path.join(tmp, "holidays")
    with open(HOLIDAYS, "w") as f:
        for y in range(2024, 2029):
            f.write(subprocess.run([B["calendar"], "holidays", str(y)], check=True,
                                   capture_output=True, text=True).stdout)
    # input
    mix = os.path.join(tmp, "mix.jsonl")
    subprocess.run([B["gen"], "mix", str(A.cases), "--json", mix], check=True,
                   stderr=subprocess.DEVNULL)
    intake = os.path.join(tmp, "intake.jsonl")
    n_ev = 0
    with open(mix) as src, open(intake, "w") as dst:
        for line in src:
            t = json.loads(line)["type"].removeprefix("se.casewatch.")
            if t in INTAKE:
                dst.write(line)
                n_ev += 1
    log(f"input: {A.cases} cases, {n_ev} intake events")
    os.makedirs(kdir)
    out = subprocess.run([KAFKA_SH, "start", kdir], check=True, capture_output=True, text=True)
    BS = dict(x.split("=", 1) for x in out.stdout.split() if "=" in x)["bootstrap"]
    ADMIN = AdminClient({"bootstrap.servers": BS})
    create(ADMIN, {"intake": (P, {}), "dlq": (1, {})})
    subprocess.run([B["produce"], "--bootstrap", BS, "--topic", "intake", "--format", "json",
                    "--quiet", "-X", "compression.type=lz4", "-X", "linger.ms=20", intake],
                   check=True)
    log(f"real Kafka at {BS}; produced {highs('intake', P)} events in {P} partitions")

    cw = run_cw("cw", "intake", n_ev, "cw")
    log(f"casewatch: {cw}")
    ks = run_ks("ks", "intake", n_ev, "ks")
    log(f"peer: {ks}")
    a_cw_all, _ = read_alerts("alerts-cw", P)
    # casewatch runs the whole rule pack; the peer only the intake rules
    a_cw = {i: a for i, a in a_cw_all.items() if a["rule"] in RULES}
    a_ks, _ = read_alerts("alerts-ks", P)
    same = set(a_cw) == set(a_ks)
    only_cw, only_ks = set(a_cw) - set(a_ks), set(a_ks) - set(a_cw)
    log(f"alert ids: casewatch {len(a_cw)}, peer {len(a_ks)}, equal={same}, "
        f"only casewatch {len(only_cw)}, only peer {len(only_ks)}")
    for i in list(only_cw)[:5]:
        log(f"  only casewatch: {json.dumps(a_cw[i])[:300]}")
    for i in list(only_ks)[:5]:
        log(f"  only peer: {json.dumps(a_ks[i])[:300]}")

    # restore
    R = A.restore_cases
    openf = os.path.join(tmp, "open.jsonl")
    subprocess.run([B["gen"], "open", str(R), "--json", openf], check=True,
                   stderr=subprocess.DEVNULL)
    create(ADMIN, {"open": (P, {})})
    subprocess.run([B["produce"], "--bootstrap", BS, "--topic", "open", "--format", "json",
                    "--quiet", "-X", "compression.type=lz4", "-X", "linger.ms=20", openf],
                   check=True)
    log(f"restore input: {R} open cases")
    open(CLOCKF, "w").write("2025-03-03T06:00:00+01:00\n")  # nothing due yet
    cwr = run_cw("cwr", "open", R, "cwr")
    log(f"casewatch ingest of {R} open cases: {cwr}")
    p = Proc("cwr-restore", "open", "alerts-cwr", "cl-cwr", "g-cwr", P)
    wait_until(lambda: "restore done" in p.text(), 900, "casewatch restore")
    cw_restore_ms = sum(int(x) for x in re.findall(r"restore done: \d+ partition\(s\) in (\d+) ms",
                                                   p.text()))
    cw_rss_restored = rss_kib(p.p.pid)
    p.stop()
    ksr = run_ks("ksr", "open", R, "ksr")
    log(f"peer ingest of {R} open cases: {ksr}")
    shutil.rmtree(ksr["state"])
    p = Peer("ksr-restore", "open", "alerts-ksr", ksr["app"], ksr["state"])
    wait_until(lambda: p.running_ms() is not None, 1800, "peer restore")
    ks_restore_ms = p.running_ms()
    ks_rss_restored = rss_kib(p.p.pid)
    p.stop()
    load1 = open("/proc/loadavg").read().split()[:3]

    def per_m(x, n):
        return x["cpu"] / n * 1e6

    def mem(x, n):
        return (x["rss"] - x["base"]) * 1024 / n

    rows = [
        ("events/s (first to last event)", n_ev / cw["wall"], n_ev / ks["wall"]),
        ("CPU s per M events (process life until done)", per_m(cw, n_ev), per_m(ks, n_ev)),
        (f"bytes per open case (RSS − idle RSS), {R} open cases", mem(cwr, R), mem(ksr, R)),
        (f"restore of {R} open cases (s)", cw_restore_ms / 1000, ks_restore_ms / 1000),
        (f"ingest of {R} open cases, events/s", R / cwr["wall"], R / ksr["wall"]),
    ]
    print()
    print(f"input: {A.cases} cases -> {n_ev} intake events, {P} partitions; "
          f"alerts casewatch {len(a_cw)}, peer {len(a_ks)}; ids equal: {same}")
    print(f"load average before {' '.join(load0)}, after {' '.join(load1)}")
    print("| measure | casewatch | Kafka Streams peer | ratio |")
    print("|---|---:|---:|---:|")
    for name, c, k in rows:
        ratio = k / c if c else float("nan")
        print(f"| {name} | {c:,.1f} | {k:,.1f} | {ratio:.2f} |")
    print(f"| peak: RSS casewatch {cw['rss'] >> 10} MiB (idle {cw['base'] >> 10}), "
          f"peer {ks['rss'] >> 10} MiB (idle {ks['base'] >> 10}); after restore "
          f"{cw_rss_restored >> 10} / {ks_rss_restored >> 10} MiB | | | |")
    print(f"raw: cw={cw} ks={ks} cwr={cwr} ksr={ksr}")
    sys.exit(0 if same else 1)
finally:
    cleanup()
