#!/usr/bin/python3
"""The benchmark suite behind tests/bench/run.sh (see there). Every figure is
printed next to its baseline measured in the same run; the results go to
standard output and to tests/bench/BENCHMARKS.md.

suite.py BUILD_DIR OUT_MD [--quick]
"""
import datetime as dt
import glob
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BUILD, OUT_MD = sys.argv[1], sys.argv[2]
QUICK = "--quick" in sys.argv[3:]
SRC = os.path.dirname(os.path.abspath(__file__))

BIN = {
    "replay": "consumers/replay/casewatch-replay",
    "processor": "consumers/processor/casewatch-processor",
    "broker": "deploy/local/broker/casewatch-broker",
    "produce": "producers/produce/casewatch-produce",
    "gen": "tests/bench/gen_load",
    "parse": "tests/bench/bench_json_parse",
    "avro_file": "tests/bench/bench_avro_file",
    "consume": "tests/bench/bench_consume",
    "latency": "tests/bench/bench_latency",
}
BIN = {k: os.path.join(BUILD, v) for k, v in BIN.items()}
for k, v in BIN.items():
    if not os.access(v, os.X_OK):
        sys.exit(f"suite: {v} missing: build first (cmake --build {BUILD})")

# Sizes. The full run is sized for < 10 minutes on 2 vCPU; --quick for development.
S = dict(replay_cases=300_000, mem_sizes=[1_000_000, 2_500_000, 5_000_000],
         e2e_cases=100_000, restore_cases=1_000_000, lat_events=600, lat_rate=50,
         lat_steps=10, lat_per_step=100, prof_cases=6000, prof_proc_cases=4000, parts=32)
if QUICK:
    S.update(replay_cases=20_000, mem_sizes=[100_000, 200_000, 400_000], e2e_cases=10_000,
             restore_cases=100_000, lat_events=100, lat_steps=3, lat_per_step=50,
             prof_cases=1000, prof_proc_cases=500, parts=8)

T0 = time.time()
tmp = tempfile.mkdtemp(prefix="cw-bench-")
children = []
results = {}   # name -> dict, for the tables
notes = []


def log(msg):
    print(f"[{time.time() - T0:6.1f}s] {msg}", flush=True)


def cleanup():
    for p in children:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(tmp, ignore_errors=True)


def run(cmd, stdout=None, stderr=None, check=True):
    """Runs cmd to its end; returns (wall s, cpu s (user+sys), peak RSS KiB, rc)."""
    out = open(stdout, "wb") if isinstance(stdout, str) else (stdout or subprocess.DEVNULL)
    err = open(stderr, "wb") if isinstance(stderr, str) else (stderr or None)
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=out, stderr=err)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    if check and p.returncode != 0:
        sys.exit(f"suite: {' '.join(cmd)} failed with {p.returncode}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, p.returncode


def out_of(cmd):
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def kv(line):
    return {k: float(v) for k, v in re.findall(r"(\w+)=([-\d.]+)", line)}


def gen(mode, cases, json_path=None, avro_path=None):
    cmd = [BIN["gen"], mode, str(cases)]
    if json_path:
        cmd += ["--json", json_path]
    if avro_path:
        cmd += ["--avro", avro_path]
    r = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return int(kv(r.stderr)["events"])


def replay(args, inp, stats=True):
    st = os.path.join(tmp, "stats.json")
    wall, cpu, rss, _ = run([BIN["replay"], "--dlq", os.path.join(tmp, "dlq"), "--stats", st]
                            + args + [inp])
    s = json.load(open(st))
    if s["rejected"]:
        sys.exit(f"suite: replay rejected {s['rejected']} events of {inp}")
    return wall, cpu, rss, s


def best(n, fn):
    """The fastest of n runs (by CPU time): the least disturbed by other load."""
    return min((fn() for _ in range(n)), key=lambda r: r[1])


# ---------------------------------------------------------------- replay
def bench_replay():
    n = S["replay_cases"]
    js, av = os.path.join(tmp, "mix.jsonl"), os.path.join(tmp, "mix.avro")
    t = time.time()
    events = gen("mix", n, js, av)
    log(f"generated {n} cases, {events} events (JSON {os.path.getsize(js) >> 20} MiB, "
        f"Avro {os.path.getsize(av) >> 20} MiB) in {time.time() - t:.1f}s")
    bare_j = best(2, lambda: run([BIN["parse"], js]))
    rj = best(2, lambda: replay([], js))
    bare_a = best(2, lambda: run([BIN["avro_file"], av], stdout=os.path.join(tmp, "n")))
    assert int(kv(open(os.path.join(tmp, "n")).read())["records"]) == events
    ra = best(2, lambda: replay(["--input-format", "avro"], av))
    for r in (rj, ra):
        assert r[3]["events"] == events, r[3]
    assert rj[3]["alerts"] == ra[3]["alerts"]
    results["replay"] = dict(cases=n, events=events, alerts=rj[3]["alerts"],
                             json=(events / rj[1], events / bare_j[1]),
                             avro=(events / ra[1], events / bare_a[1]),
                             rss_json=rj[2], cases_held=rj[3]["cases"])
    log(f"replay JSON {events / rj[1]:.0f} ev/s vs parse {events / bare_j[1]:.0f}; "
        f"Avro {events / ra[1]:.0f} ev/s vs avro-c {events / bare_a[1]:.0f}")
    return js, av


# ---------------------------------------------------------------- memory, firing
def bench_memory_firing():
    _, _, base_rss, _ = run([BIN["replay"], os.devnull])
    rows = []
    firing = None
    for n in S["mem_sizes"]:
        av = os.path.join(tmp, f"open{n}.avro")
        t = time.time()
        gen("open", n, avro_path=av)
        tg = time.time() - t
        wall, cpu, rss, s = replay(["--input-format", "avro"], av)
        assert s["cases"] == n, s
        rows.append(dict(cases=n, obligations=s["open_obligations"], rss=rss,
                         per_case=(rss - base_rss) * 1024 / n, cpu=cpu))
        log(f"{n} open cases: RSS {rss >> 10} MiB, {(rss - base_rss) * 1024 / n:.0f} B/case "
            f"(gen {tg:.1f}s, replay {wall:.1f}s)")
        if n == S["mem_sizes"][0]:
            # Deadline firing: the same replay with --until past the day every
            # protection assessment falls due; the CPU difference is the firing
            # (the breaches computed and written as JSON alerts to /dev/null).
            until = ["--until", "2025-03-05T00:00:00+01:00"]
            a = [cpu]
            b = []
            for _ in range(2):
                b.append(replay(["--input-format", "avro"] + until, av))
                a.append(replay(["--input-format", "avro"], av)[1])
            fired = b[0][3]["alerts"]
            assert b[0][3]["alerts"] == n, b[0][3]   # one breach per case, nothing else
            firing = dict(obligations=fired, cpu=min(x[1] for x in b) - min(a),
                          base=min(a), with_until=min(x[1] for x in b))
            log(f"firing {fired} breaches: {firing['cpu']:.2f} s CPU")
        os.unlink(av)
    results["memory"] = dict(rows=rows, base_rss=base_rss)
    results["firing"] = firing


# ---------------------------------------------------------------- Kafka
class Broker:
    def __init__(self, topics):
        args = [BIN["broker"]]
        for name, parts in topics.items():
            args += ["--topic", f"{name}:{parts}"]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        children.append(self.proc)
        line = self.proc.stdout.readline().strip()
        assert line.startswith("bootstrap="), line
        self.bootstrap = line.split("=", 1)[1]

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


KAFKA = {"fetch.wait.max.ms": "20"}          # the tests' setting, for every consumer here
PRODUCE_X = ["-X", "compression.type=lz4", "-X", "linger.ms=20", "-X", "batch.size=1000000"]


def watermarks(bs, topic):
    return kv(out_of([BIN["consume"], bs, topic, "watermarks"]))


def check_kept(bs, topic, expect=None):
    """Nothing dropped by the broker's per-partition limit: every low
    watermark still 0 (and the count as expected)."""
    w = watermarks(bs, topic)
    if w["low_max"] != 0:
        sys.exit(f"suite: broker dropped messages of {topic} (low watermark {w['low_max']:.0f})"
                 ": use more partitions")
    if expect is not None and w["high_sum"] != expect:
        sys.exit(f"suite: {topic} holds {w['high_sum']:.0f} messages, expected {expect}")
    return int(w["high_sum"])


def produce(bs, topic, jsonl, fmt="avro"):
    t = time.time()
    run([BIN["produce"], "--bootstrap", bs, "--topic", topic, "--format", fmt] + PRODUCE_X
        + [jsonl], stderr=os.path.join(tmp, "produce.err"))
    log(f"produced {topic} in {time.time() - t:.1f}s")


class Processor:
    def __init__(self, bs, name, topics, extra=None, start=True):
        self.log = os.path.join(tmp, f"{name}.log")
        conf = os.path.join(tmp, f"{name}.conf")
        settings = {
            "kafka.bootstrap.servers": bs,
            "kafka.session.timeout.ms": "6000",
            "kafka.heartbeat.interval.ms": "500",
            "kafka.compression.type": "lz4",
            "processor.input_topics": topics[0],
            "processor.alert_topic": topics[1],
            "processor.changelog_topic": topics[2],
            "processor.dlq_topic": "dlq",
            "processor.group_id": topics[3],
            "processor.live_grace": "0s",
            "processor.report_interval": "100ms",
            "processor.poll_timeout": "20ms",
        }
        settings.update({"kafka." + k: v for k, v in KAFKA.items()})
        settings.update(extra or {})
        with open(conf, "w") as f:
            for k, v in settings.items():
                f.write(f"{k} = {v}\n")
        os.chmod(conf, 0o600)
        self.conf = conf
        if not start:
            return
        self.proc = subprocess.Popen([BIN["processor"], "--config", conf],
                                     stderr=open(self.log, "w"))
        children.append(self.proc)
        self.rusage = None

    def text(self):
        return open(self.log).read()

    def reports(self):
        """[(unix time, counters)] of the periodic report lines."""
        out = []
        for line in self.text().splitlines():
            if " consumed=" in line:
                ts = dt.datetime.strptime(line[:23], "%Y-%m-%dT%H:%M:%S.%f").replace(
                    tzinfo=dt.timezone.utc).timestamp()
                out.append((ts, {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}))
        return out

    def consumed(self):
        r = self.reports()
        return r[-1][1]["consumed"] if r else 0

    def rss_kib(self):
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        _, status, ru = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.rusage = ru
        if self.proc.returncode != 0:
            sys.exit(f"suite: processor exited {self.proc.returncode}: see {self.log}")
        return ru.ru_utime + ru.ru_stime


def wait_until(pred, timeout, what):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.05)
    sys.exit(f"suite: timed out waiting for {what}")


def owned(p):
    n = 0
    for m in re.finditer(r"rebalance: (assigned|revoked) (\d+) partition", p.text()):
        n += int(m.group(2)) * (1 if m.group(1) == "assigned" else -1)
    return n


def run_processors(bs, n_inst, topics, expect, extra=None, feed=None):
    """n_inst processors in one group over an input of `expect` events; returns
    (events/s from the first consumption to the last, CPU s, counters).
    feed: a JSON-lines file produced into the (empty) input topic only once
    the group is stable, every member holding partitions (no rebalance
    inside the measurement)."""
    ps = [Processor(bs, f"{topics[3]}-{i}", topics, extra) for i in range(n_inst)]
    if feed:
        def stable():
            if any(owned(p) == 0 for p in ps) or sum(owned(p) for p in ps) != S["parts"]:
                return False
            time.sleep(2.0)  # and still so two seconds later
            return all(owned(p) > 0 for p in ps) and sum(owned(p) for p in ps) == S["parts"]
        wait_until(stable, 60, f"{topics[3]}: a stable group of {n_inst}")
        produce(bs, topics[0], feed)
    wait_until(lambda: sum(p.consumed() for p in ps) >= expect, 600,
               f"{topics[3]}: {expect} events consumed")
    time.sleep(0.3)
    cpu = sum(p.stop() for p in ps)
    first, last, total = None, None, {}
    for p in ps:
        rep = p.reports()
        final = rep[-1][1]
        for k, v in final.items():
            total[k] = total.get(k, 0) + v
        started = [t for t, c in rep if c["consumed"] > 0]
        done = [t for t, c in rep if c["consumed"] == final["consumed"]]
        if started:
            first = min(first or started[0], started[0])
            last = max(last or done[0], done[0])
    if total["consumed"] < expect or total["rejected"]:
        sys.exit(f"suite: {topics[3]}: {total}")
    assigned = [len(re.findall(r"rebalance: assigned", p.text())) for p in ps]
    return expect / (last - first), cpu, total, assigned


def bench_kafka(mix_jsonl):
    P = S["parts"]
    topics = {"ev": P, "al": P, "st": P, "al3": P, "st3": P, "sc1": P, "sc1-al": P,
              "sc1-st": P, "sc2": P, "sc2-al": P, "sc2-st": P,
              "open": P, "oal": P, "ost": P, "lat-ev": 6, "lat-al": 6, "lat-st": 6,
              "prof-ev": 6, "prof-empty": 6, "prof-al": 6, "prof-st": 6, "dlq": 1}
    br = Broker(topics)
    bs = br.bootstrap
    X = sum((["-X", f"{k}={v}"] for k, v in KAFKA.items()), [])

    # end to end, realistic caseload
    e2e = os.path.join(tmp, "e2e.jsonl")
    events = gen("mix", S["e2e_cases"], e2e)
    produce(bs, "ev", e2e)
    check_kept(bs, "ev", events)
    base = kv(out_of([BIN["consume"], bs, "ev", "group", "--expect", str(events)] + X))
    assert base["messages"] == events
    rate1, cpu1, tot1, _ = run_processors(bs, 1, ("ev", "al", "st", "g1"), events)
    alerts = sum(v for k, v in tot1.items() if k in ("warning", "breach", "resolved",
                                                     "withdrawn", "violation", "extended"))
    check_kept(bs, "al", alerts)
    check_kept(bs, "st", tot1["changelog"])
    log(f"processor {rate1:.0f} ev/s vs plain consumer {base['rate']:.0f} "
        f"({alerts} alerts, {tot1['changelog']} changelog records, {cpu1:.1f} s CPU)")
    rate_big, cpu_big, _, _ = run_processors(bs, 1, ("ev", "al3", "st3", "g3"), events,
                                             {"processor.batch_max": "20000"})
    check_kept(bs, "al3")
    check_kept(bs, "st3")
    log(f"processor batch_max 20000: {rate_big:.0f} ev/s")
    span = events / rate1
    notes.append(f"Processor with batch_max 2000: {cpu1:.1f} s of CPU (all threads, start-up "
                 f"included) over {span:.1f} s of processing, so busy about "
                 f"{100 * cpu1 / span:.0f} % of one core; {tot1['batches']} batches took "
                 f"{1000 * span / tot1['batches']:.0f} ms each, most of it waiting: alerts "
                 f"acknowledged, then the changelog acknowledged, then a synchronous commit, "
                 f"three round trips per batch. With batch_max 20000 the same input ran at "
                 f"{rate_big:,.0f} ev/s.")
    # scaling: 1 and 2 instances fed live once the group is stable
    scale = {}
    for k in (1, 2):
        r_k, c_k, t_k, a_k = run_processors(bs, k, (f"sc{k}", f"sc{k}-al", f"sc{k}-st",
                                                    f"gsc{k}"), events, feed=e2e)
        check_kept(bs, f"sc{k}", events)
        check_kept(bs, f"sc{k}-al")
        check_kept(bs, f"sc{k}-st")
        scale[k] = (r_k, c_k, t_k["consumed"], a_k)
        log(f"{k} instance(s), fed live: {r_k:.0f} ev/s (assignments per instance {a_k})")
    rate2, cpu2, consumed2, assigned = scale[2][0], scale[2][1], scale[2][2], scale[2][3]
    results["e2e"] = dict(events=events, cases=S["e2e_cases"], rate=rate1, base=base["rate"],
                          cpu=cpu1, alerts=alerts, changelog=tot1["changelog"],
                          rate_big=rate_big, cpu_big=cpu_big, rate2=rate2, cpu2=cpu2,
                          consumed2=consumed2, assigned2=assigned, rate1live=scale[1][0],
                          cpu1live=scale[1][1],
                          base_bytes=base["bytes"])

    # restore: 1 M open cases in the changelog
    n = S["restore_cases"]
    oj = os.path.join(tmp, "open.jsonl")
    gen("open", n, oj)
    produce(bs, "open", oj)
    os.unlink(oj)
    check_kept(bs, "open", n)
    topics_o = ("open", "oal", "ost", "go")
    rate_o, _, tot_o, _ = run_processors(bs, 1, topics_o, n, {"processor.batch_max": "20000"})
    records = check_kept(bs, "ost", tot_o["changelog"])
    log(f"ingested {n} open cases at {rate_o:.0f} ev/s: {records} changelog records")
    p = Processor(bs, "restore", topics_o)
    wait_until(lambda: len(re.findall(r"restored partition", p.text())) >= P, 600, "restore")
    rss = p.rss_kib()
    p.stop()
    ms = cases = recs = 0
    for m in re.finditer(r"restored partition \d+: (\d+) changelog records, (\d+) cases, "
                         r"\d+ open obligations, (\d+) corrupt, (\d+) ms", p.text()):
        recs += int(m.group(1))
        cases += int(m.group(2))
        assert m.group(3) == "0"
    # The wall time of the restore (from the first partition to the last) is
    # the "restore done" line (the per-partition ms count from its start;
    # summing them counted the same time again).
    ms = sum(int(x) for x in re.findall(r"restore done: \d+ partition\(s\) in (\d+) ms",
                                        p.text()))
    assert cases == n and recs == records, (cases, recs, records)
    bare = kv(out_of([BIN["consume"], bs, "ost", "together"] + X))
    assert bare["messages"] == records
    results["restore"] = dict(cases=n, records=records, ms=ms, bare_ms=bare["seconds"] * 1000,
                              rss=rss, ingest=rate_o, bytes=bare["bytes"])
    log(f"restore {n} cases: {ms} ms vs bare read {bare['seconds'] * 1000:.0f} ms; "
        f"processor RSS {rss >> 10} MiB")

    # live latency
    clock = os.path.join(tmp, "clock")
    with open(clock, "w") as f:
        f.write("2026-01-10T12:00:00Z\n")
    p = Processor(bs, "latency", ("lat-ev", "lat-al", "lat-st", "glat"),
                  {"processor.clock_file": clock})
    wait_until(lambda: len(re.findall(r"restored partition", p.text())) >= 6, 60, "assignment")
    time.sleep(0.5)
    out = out_of([BIN["latency"], bs, "lat-ev", "lat-al", clock, str(S["lat_events"]),
                  str(S["lat_rate"]), str(S["lat_steps"]), str(S["lat_per_step"])])
    p.stop()
    lat = {}
    for line in out.splitlines():
        lat[line.split()[0]] = kv(line)
    results["latency"] = lat
    log(f"latency: {out.strip()}")

    # processor profile (callgrind, every thread). A first run on an empty
    # topic (join, restore of nothing, idle, leave) is subtracted function by
    # function from a run over the events, so what remains is their cost.
    pj = os.path.join(tmp, "prof.jsonl")
    pev = gen("mix", S["prof_proc_cases"], pj)
    produce(bs, "prof-ev", pj)
    t = time.time()
    prof = {}
    for name, topic, expect in (("idle", "prof-empty", 0), ("events", "prof-ev", pev)):
        cg = os.path.join(tmp, f"cg.processor.{name}")
        conf = Processor(bs, f"prof-{name}", (topic, "prof-al", "prof-st", f"gprof-{name}"),
                         start=False).conf
        logf = os.path.join(tmp, f"prof-{name}.cglog")
        vp = subprocess.Popen(["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg}",
                               BIN["processor"], "--config", conf], stderr=open(logf, "w"))
        children.append(vp)

        def progress():
            text = open(logf).read()
            m = re.findall(r"consumed=(\d+)", text)
            return len(re.findall("restored partition", text)) >= 6 and \
                (int(m[-1]) if m else 0) >= expect
        wait_until(progress, 300, f"the profiled processor ({name})")
        time.sleep(1.0)
        vp.send_signal(signal.SIGTERM)
        vp.wait(120)
        prof[name] = cg_costs(cg)
    (t_idle, idle), (t_ev, busy) = prof["idle"], prof["events"]
    diff = {k: v - idle.get(k, 0) for k, v in busy.items()}
    diff = {k: v for k, v in diff.items() if v > 0}
    total = sum(diff.values())
    results["profile_processor"] = dict(events=pev, idle_total=t_idle, busy_total=t_ev,
                                        **top_costs(total, diff))
    log(f"processor profile: {pev} events, {total / pev:.0f} instructions/event "
        f"({time.time() - t:.0f}s under callgrind)")
    br.stop()


# ---------------------------------------------------------------- profiles
def cg_costs(cg):
    """(total instructions, {(function, object): self instructions}) of a
    callgrind file; recursion levels ('2) and a function's inlined parts in
    other source files merged, stripped code grouped per library."""
    out = subprocess.run(["callgrind_annotate", "--threshold=100", cg], capture_output=True,
                         text=True).stdout
    total, rows = None, []
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(.*)", line)
        if not m:
            continue
        ir = int(m.group(1).replace(",", ""))
        name = m.group(3)
        if "PROGRAM TOTALS" in name:
            total = ir
            continue
        fm = re.match(r"(.*?):(\S+?)(?:'\d+)?(?: \[(.*)\])?$", name)
        fn, obj = (fm.group(2), os.path.basename(fm.group(3) or "")) if fm else (name, "")
        if fn.startswith("0x"):
            fn = f"(stripped {obj.split('.so')[0]} code)"
        rows.append((ir, fn, obj))
    home = {fn: obj for _, fn, obj in rows if obj}
    costs = {}
    for ir, fn, obj in rows:
        key = (fn, obj or home.get(fn, "?"))
        costs[key] = costs.get(key, 0) + ir
    return total, costs


def top_costs(total, costs, n=12):
    objs = {}
    for (fn, obj), ir in costs.items():
        objs[obj] = objs.get(obj, 0) + ir
    top = sorted(((ir, fn, obj) for (fn, obj), ir in costs.items()), reverse=True)[:n]
    return dict(total=total, top=[(fn, obj, 100.0 * ir / total) for ir, fn, obj in top],
                objs=sorted(((100.0 * v / total, k) for k, v in objs.items() if v > 0),
                            reverse=True)[:6])


def bench_profiles():
    js, av = os.path.join(tmp, "prof.jsonl"), os.path.join(tmp, "prof.avro")
    events = gen("mix", S["prof_cases"], js, av)
    for name, args, inp in (("json", [], js), ("avro", ["--input-format", "avro"], av)):
        cg = os.path.join(tmp, f"cg.{name}")
        # Only the feeding loop is counted (rule pack, time zone cache and exit left out).
        run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg}",
             "--toggle-collect=cw_replay_feed*", BIN["replay"], "--dlq", os.devnull] + args
            + [inp], stderr=os.path.join(tmp, f"cg.{name}.log"))
        t = top_costs(*cg_costs(cg))
        t["per_event"] = t["total"] / events
        results[f"profile_{name}"] = t
        log(f"replay {name} profile: {t['per_event']:.0f} instructions/event")


# ---------------------------------------------------------------- report
def machine():
    cpu = "?"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    cache = dict(l.split(":", 1) for l in open(os.path.join(BUILD, "CMakeCache.txt"))
                 if l[:1].isalpha() and ":" in l and "=" in l)
    btype = next((l.split("=", 1)[1].strip() for l in open(os.path.join(BUILD, "CMakeCache.txt"))
                  if l.startswith("CMAKE_BUILD_TYPE:")), "?")
    cc = next((l.split("=", 1)[1].strip() for l in open(os.path.join(BUILD, "CMakeCache.txt"))
               if l.startswith("CMAKE_C_COMPILER:")), "cc")
    ccv = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    libs = {l: out_of(["pkg-config", "--modversion", l]).strip()
            for l in ("rdkafka", "avro-c", "jansson")}
    del cache
    return dict(cpu=cpu, cores=os.cpu_count(), ram=f"{int(mem) / 1048576:.1f} GiB",
                kernel=platform.release(), compiler=ccv, build=btype, libs=libs)


def met(ok):
    return "met" if ok else "**not met**"


def report(load_start, load_end, elapsed):
    r = results
    L = []
    rp, mem, fi = r["replay"], r["memory"], r["firing"]
    e2e, rs, lat = r["e2e"], r["restore"], r["latency"]
    rows = mem["rows"]
    per = [x["per_case"] for x in rows]
    flat = max(per) / min(per) <= 1.25
    L.append("| figure | value | baseline (same run) | ratio | target | |")
    L.append("|---|---|---|---|---|---|")
    aj, ab = rp["avro"]
    L.append(f"| replay, Avro container file → alerts (ev/s, one core) | {aj:,.0f} | "
             f"avro-c bare decode {ab:,.0f} | {aj / ab:.2f} | ≥ 0.6 and ≥ 1 M ev/s | "
             f"{met(aj / ab >= 0.6 and aj >= 1e6)} |")
    jj, jb = rp["json"]
    L.append(f"| replay, JSON lines → alerts (ev/s, one core) | {jj:,.0f} | jansson bare parse "
             f"{jb:,.0f} | {jj / jb:.2f} | ≥ 0.7 | {met(jj / jb >= 0.7)} |")
    L.append(f"| processor end to end, embedded broker, at-least-once (ev/s) | {e2e['rate']:,.0f} "
             f"| plain librdkafka consumer {e2e['base']:,.0f} | {e2e['rate'] / e2e['base']:.3f} | "
             f"≥ 0.5 | {met(e2e['rate'] / e2e['base'] >= 0.5)} |")
    for x in rows:
        L.append(f"| memory per open case at {x['cases'] / 1e6:g} M cases (bytes) | "
                 f"{x['per_case']:.0f} | — | — | ≤ 256, flat | "
                 f"{met(x['per_case'] <= 256 and flat)} |")
    L.append(f"| deadline firing, {fi['obligations'] / 1e6:g} M obligations due at once (CPU s) "
             f"| {fi['cpu']:.2f} | — | — | ≤ 1 s | {met(fi['cpu'] <= 1.0)} |")
    L.append(f"| state restore from the changelog, {rs['cases'] / 1e6:g} M cases (s) | "
             f"{rs['ms'] / 1000:.2f} | bare read {rs['bare_ms'] / 1000:.2f} | "
             f"{rs['ms'] / rs['bare_ms']:.2f}× | ≤ 2× | {met(rs['ms'] <= 2 * rs['bare_ms'])} |")
    d, e, a = lat["deadline"], lat["event"], lat["event_ack"]
    L.append(f"| live latency, deadline passed → alert on the topic, p99 (ms) | {d['p99_ms']:.0f} "
             f"| — | — | ≤ 1000 | {met(d['p99_ms'] <= 1000 and d['lost'] == 0)} |")
    L.append(f"| live latency, event → alert on the topic, p99 (ms) | {e['p99_ms']:.0f} | — | — "
             f"| ≤ 100 | {met(e['p99_ms'] <= 100 and e['lost'] == 0)} |")
    main_table = "\n".join(L)

    D = []
    D.append("| input | events | cases | alerts | bare ev/s | replay ev/s | ratio |")
    D.append("|---|---|---|---|---|---|---|")
    D.append(f"| JSON lines ({rp['cases']:,} cases, mix) | {rp['events']:,} | {rp['cases']:,} | "
             f"{rp['alerts']:,} | {jb:,.0f} (jansson) | {jj:,.0f} | {jj / jb:.2f} |")
    D.append(f"| Avro container, deflate (same events) | {rp['events']:,} | {rp['cases']:,} | "
             f"{rp['alerts']:,} | {ab:,.0f} (avro-c) | {aj:,.0f} | {aj / ab:.2f} |")
    replay_table = "\n".join(D)

    M = ["| open cases | open obligations | peak RSS | bytes per case | replay CPU s |",
         "|---|---|---|---|---|"]
    for x in rows:
        M.append(f"| {x['cases']:,} | {x['obligations']:,} | {x['rss'] / 1024:,.0f} MiB | "
                 f"{x['per_case']:.0f} | {x['cpu']:.1f} |")
    mem_table = "\n".join(M)

    K = ["| run | events | ev/s | processor CPU s | ev per CPU s |", "|---|---|---|---|---|"]
    K.append(f"| plain librdkafka consumer (baseline) | {e2e['events']:,} | {e2e['base']:,.0f} | "
             f"— | — |")
    K.append(f"| processor, 1 instance, batch_max 2000 (default) | {e2e['events']:,} | "
             f"{e2e['rate']:,.0f} | {e2e['cpu']:.1f} | {e2e['events'] / e2e['cpu']:,.0f} |")
    K.append(f"| processor, 1 instance, batch_max 20000 | {e2e['events']:,} | "
             f"{e2e['rate_big']:,.0f} | {e2e['cpu_big']:.1f} | "
             f"{e2e['events'] / e2e['cpu_big']:,.0f} |")
    K.append(f"| processor, 1 instance, fed live (scaling), batch_max 2000 | {e2e['events']:,} | "
             f"{e2e['rate1live']:,.0f} | {e2e['cpu1live']:.1f} | "
             f"{e2e['events'] / e2e['cpu1live']:,.0f} |")
    K.append(f"| processor, 2 instances in one group, fed live (scaling), batch_max 2000 | {e2e['events']:,} | "
             f"{e2e['rate2']:,.0f} | {e2e['cpu2']:.1f} | {e2e['consumed2'] / e2e['cpu2']:,.0f} |")
    K.append(f"| processor ingest of {rs['cases']:,} open cases, batch_max 20000 | "
             f"{rs['cases']:,} | {rs['ingest']:,.0f} | — | — |")
    kafka_table = "\n".join(K)

    P = []
    for name, title in (("profile_json", "replay, JSON lines"),
                        ("profile_avro", "replay, Avro container file"),
                        ("profile_processor", "processor, all threads, minus an idle run")):
        t = r[name]
        extra = (f"{t['per_event']:,.0f} instructions per event, feeding loop only"
                 if "per_event" in t else
                 f"{t['total'] / t['events']:,.0f} instructions per event "
                 f"({t['events']:,} events; {t['busy_total']:,} in the run, "
                 f"{t['idle_total']:,} in the idle run subtracted)")
        P.append(f"**{title}** — {t['total']:,} instructions, {extra}\n")
        P.append("| function | object | % of instructions |")
        P.append("|---|---|---|")
        for fn, obj, pct in t["top"]:
            P.append(f"| `{fn}` | {obj} | {pct:.1f} |")
        P.append("\nby object: " + ", ".join(f"{o or '?'} {p:.1f} %" for p, o in t["objs"])
                 + "\n")
    prof = "\n".join(P)

    m = machine()
    date = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    md = f"""# casewatch benchmarks

Written by `tests/bench/run.sh` ({'quick sizes' if QUICK else 'full run'}, {elapsed:.0f} s);
do not edit by hand. Every ratio is against a baseline measured in the same run.

## Machine

| | |
|---|---|
| date | {date} |
| CPU | {m['cpu']} |
| cores | {m['cores']} |
| RAM | {m['ram']} |
| kernel | {m['kernel']} |
| compiler | {m['compiler']} |
| build type | {m['build']} |
| librdkafka / avro-c / jansson | {m['libs']['rdkafka']} / {m['libs']['avro-c']} / {m['libs']['jansson']} |
| load average (1 min) at start / end | {load_start:.2f} / {load_end:.2f} |

## Figures against targets

{main_table}

## Replay

{replay_table}

Rates are events per CPU second (user + system) of each process, best of
two runs: replay is single-threaded, so this is "one core" also while other
work shares the machine. Replay includes reading the file, decoding,
the engine and writing the alerts (JSON lines to a file).

## Memory per open case and deadline firing

{mem_table}

Open cases from `gen_load open`: one report each (two open obligations:
protection assessment and 14-day preassessment), replayed from an Avro
container file; bytes per case = (peak RSS − RSS of an empty replay,
{mem['base_rss'] / 1024:.1f} MiB) / cases. Flat = the largest size within
25 % of the smallest: {'yes' if flat else 'no'} ({min(per):.0f}–{max(per):.0f} bytes).
The mix caseload above held {rp['cases_held']:,} cases in {rp['rss_json'] / 1024:.0f} MiB.

Deadline firing: the {fi['obligations']:,}-case replay again with `--until`
past the day all protection assessments fall due: {fi['obligations']:,}
breaches, each computed and written as a JSON alert (to /dev/null). CPU of
the firing = CPU with `--until` ({fi['with_until']:.2f} s) − CPU without
({fi['base']:.2f} s), best of two each: **{fi['cpu']:.2f} s**.

## Processor through the embedded broker

{kafka_table}

Input: `gen_load mix {e2e['cases']:,}` produced as Avro (Confluent wire
format) by `casewatch-produce` with lz4 into {S['parts']} partitions
({e2e['base_bytes'] / 1e6:.0f} MB of values); at-least-once, JSON alerts.
Every topic is checked after its run: every low watermark still 0 (nothing
dropped by the broker's ~5 MiB per-partition limit) and the message counts
equal what was produced (input), or what the processor counted (alerts
{e2e['alerts']:,}, changelog {e2e['changelog']:,}). The processor's rate
runs from its first report with consumed > 0 to the first report showing
everything consumed (reports every 100 ms, each after the batch's outputs
were acknowledged and its offsets committed); the plain consumer's from its
first message to its last, same consumer settings (fresh group,
cooperative-sticky, no auto-commit, partition EOF, fetch.wait.max.ms=20),
reading only. Processor CPU is all its threads.

Scaling: one and two instances in one group, each on its own fresh input
topic, which `casewatch-produce` fills only once the group is stable (every
member holding partitions for two seconds), so no rebalance falls inside
the measurement (rebalances per instance: {e2e['assigned2']}); the
producer, the broker and the processors share the 2 cores, so these rates
are lower than the pre-filled run above.

Restore: {rs['cases']:,} open cases ingested (`gen_load open`), then a new
processor in the same group restores them on assignment: the wall time of
its restore, partition after partition ({rs['records']:,} changelog records,
{rs['bytes'] / 1e6:.0f} MB), against `bench_consume together` reading the
same partitions, all assigned at once, from low to high watermark without
decoding (the faster way to read them bare: the stricter baseline; the
restorer decoding them all at once was 4x slower than one after another). Processor RSS after the restore:
{rs['rss'] / 1024:.0f} MiB ({rs['rss'] * 1024 / rs['cases']:.0f} bytes per case, process total).

## Live latency

| path | samples | p50 ms | p95 ms | p99 ms | max ms | lost |
|---|---|---|---|---|---|---|
| event → alert on the topic | {e['n']:.0f} | {e['p50_ms']:.1f} | {e['p95_ms']:.1f} | {e['p99_ms']:.1f} | {e['max_ms']:.1f} | {e['lost']:.0f} |
| of which: the report acknowledged to the probe's producer | {a['n']:.0f} | {a['p50_ms']:.1f} | {a['p95_ms']:.1f} | {a['p99_ms']:.1f} | {a['max_ms']:.1f} | {a['lost']:.0f} |
| deadline passed → alert on the topic | {d['n']:.0f} | {d['p50_ms']:.1f} | {d['p95_ms']:.1f} | {d['p99_ms']:.1f} | {d['max_ms']:.1f} | {d['lost']:.0f} |

`bench_latency` against one processor with `processor.clock_file`: event
samples are reports dated 30 days before the clock, produced at
{S['lat_rate']}/s (linger.ms=0), from `rd_kafka_produce` to the first alert
with that key at its own consumer (fetch.wait.max.ms=5); deadline samples:
{S['lat_steps']} steps of {S['lat_per_step']} reports dated 09:00 on the
clock's day, then the clock file moved (atomic rename) to 00:30 the next
day; from the rename to each case's breach arriving. The processor polls
with poll_timeout 20 ms and fetch.wait.max.ms 20 ms.

## Profiles (callgrind, instructions)

`perf` has no hardware counters on this VM (`perf stat -e instructions`:
not supported), so valgrind's callgrind counts instructions. Self cost per
function; jansson is stripped, so its internal functions show as one
entry.

{prof}
## Notes

""" + "\n".join(f"- {n}" for n in notes) + "\n"
    # The Kafka Streams peer is run by hand (peers/kstreams/run_peer.py, a
    # real broker and a JVM); its dated section is kept, not rewritten.
    peer = os.path.join(SRC, "peers/kstreams/RESULTS.md")
    if os.path.exists(peer):
        md += "\n" + open(peer).read()
    with open(OUT_MD, "w") as f:
        f.write(md)
    print()
    print(main_table)
    print()
    print(kafka_table)
    print()
    print(f"written: {OUT_MD}")


# What limits the targets this machine does not meet, by the profiles above
# (written by hand; the figures in the tables are measured).
LIMITS = """What limits the unmet targets (read with the profiles):
**Avro replay** (≥ 0.6 of avro-c's bare decode, ≥ 1 M ev/s): decoding is a
small share (casewatch's `decode` and zlib); most instructions are the
alerts — the mix caseload makes about one per four events, each a ~1.5 KB
bilingual JSON line with a SHA-256 id (libcrypto; the id's hash is part of
the contract, so alerts from different versions stay equal) — JSON escaping,
template rendering and strlen. The baseline does nothing with a record.
**JSON replay** (≥ 0.7 of jansson's bare parse): jansson itself is ~60 % of
the replay's instructions and the baseline is jansson, so the engine and the
alert output would have to cost under ~40 % of a parse; the wall-clock ratio
is lower than the instruction ratio because the case table of 300 000 cases
misses the cache where the baseline does not. A cheaper JSON parser (yyjson
is not in Debian 12) would be the lever.
**Processor end to end** (≥ 0.5 of a plain consumer): the plain consumer
does nothing per message (~2 M messages/s); half of that is beyond what the
engine does on one core at all (~200 000 events per CPU second, the last
column above), before the batch's two acknowledged flushes (alerts, then
the changelog: that order is what makes a crash lose nothing) and its
commit.
**Memory per open case** (≤ 256 bytes): each case here holds two open
obligations. Per case: the case (80 bytes + its id), the report entity
(56 + its id), two obligations (104 bytes each) and their starting event
ids, the event-id hashes that make redelivery idempotent (8 bytes per
event), two deadline-index slots and a table slot; with malloc's header and
rounding on seven allocations, ~550 bytes. Flat, as the target asks; 256
would take an arena allocator and a packed obligation encoding (not done).
**Restore** (≤ 2× a bare read): the baseline reads all partitions at once,
bytes only; the restore turns every record into engine structures (seven
allocations per case) and reads partition after partition (faster than all
at once when decoding, measured). The embedded broker does not compact, so
the changelog holds about two records per case and every case is built
twice; on a compacted Kafka topic it is read once.
**Deadline firing** (≤ 1 s of CPU for 1 M): the figure includes making and
writing 1 M bilingual JSON alerts (~1.5 GB to /dev/null); the deadline
heap's own work is a small part of it (see the Avro profile: the alert path
dominates)."""


def main():
    load_start = os.getloadavg()[0]
    try:
        log(f"sizes: {S}")
        js, av = bench_replay()
        for p in (js, av):
            os.unlink(p)
        bench_memory_firing()
        bench_profiles()
        bench_kafka(None)
        elapsed = time.time() - T0
        load_end = os.getloadavg()[0]
        if load_start > 1.0 or load_end > 1.0:
            notes.append(f"The machine was shared with other work during the run (load "
                         f"average {load_start:.2f} at the start, {load_end:.2f} at the end, "
                         f"on {os.cpu_count()} cores): absolute rates are lower than on an idle "
                         f"machine; the same-run ratios are what compares.")
        notes.append("Latency: the first records written to each partition of a fresh topic "
                     "take up to about a second to be acknowledged by the embedded broker (seen "
                     "by the probe's producer and the processor's alike); bench_latency sends "
                     "200 unmeasured reports first, as a live system has long passed that.")
        notes.append("Build: the figures are from a Release build (-O3, "
                     "`cmake -DCMAKE_BUILD_TYPE=Release`); the project's default is "
                     "RelWithDebInfo (-O2 -g).")
        notes.append("Embedded broker: until this suite found it, the mock brokers' sockets "
                     "had Nagle's algorithm on, and every multi-part response waited ~40 ms "
                     "for the client's delayed ACK (a flush of 500 messages: 44 ms, now "
                     "1.2 ms); casewatch-broker now sets TCP_NODELAY. Figures measured before "
                     "that (the processor's ~23 000 ev/s) were the broker's, not the "
                     "processor's.")
        notes.append(LIMITS)
        report(load_start, load_end, elapsed)
        log(f"done in {elapsed:.0f} s")
    finally:
        cleanup()


main()
