#!/usr/bin/python3
"""casewatch-produce and casewatch-simulate (issue 7), black-box.

Usage: test_producers.py BUILD_DIR TEST_NAME

Tests that need Kafka start the embedded broker on a free loopback port and
stop it afterwards."""
import collections
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = sys.argv[1]
os.environ["CW_BUILD"] = BUILD
sys.path.insert(0, os.path.join(ROOT, "tests/kafka"))
sys.path.insert(0, os.path.join(ROOT, "tests/avro"))

PRODUCE = os.path.join(BUILD, "producers/produce/casewatch-produce")
SIMULATE = os.path.join(BUILD, "producers/simulate/casewatch-simulate")
REPLAY = os.path.join(BUILD, "consumers/replay/casewatch-replay")
TOOL = os.path.join(BUILD, "tests/avro/avro_tool")
RULES = 21  # the default pack's rule ids (EVENTS.md §3)


def run(args, inp=None, check=True):
    p = subprocess.run(args, input=inp, capture_output=True)
    if check and p.returncode != 0:
        raise AssertionError(f"{args}: exit {p.returncode}: {p.stderr.decode()[-2000:]}")
    return p


def simulate(tmp, *args, name="sim"):
    """Runs the simulator to files; returns (events path, expected, stats)."""
    ev, ex, st = (os.path.join(tmp, f"{name}.{x}") for x in ("jsonl", "expected", "stats"))
    run([SIMULATE, *args, "--output", ev, "--expected", ex, "--stats", st])
    expected = [json.loads(l) for l in open(ex)]
    return ev, expected, json.load(open(st))


def until_of(args):
    """The end of the simulated range as an instant (local midnight)."""
    frm, days = args[args.index("--from") + 1], int(args[args.index("--days") + 1])
    import datetime
    import zoneinfo
    d = datetime.date.fromisoformat(frm) + datetime.timedelta(days=days)
    t = datetime.datetime(d.year, d.month, d.day, tzinfo=zoneinfo.ZoneInfo("Europe/Stockholm"))
    return t.isoformat()


def compare_planted(alerts, expected, what):
    """Every planted late step is an alert, and every breach or violation
    was planted: as multisets of (case, rule, subject, kind), since a
    recurring duty can be late twice. Resolutions likewise."""
    key = lambda a: (a["case"], a["rule"], a["subject"], a["kind"])  # noqa: E731
    got = collections.Counter(key(a) for a in alerts if a["kind"] in ("breach", "violation"))
    want = collections.Counter(key(e) for e in expected)
    missing, extra = want - got, got - want
    assert not missing and not extra, (
        f"{what}: {sum(missing.values())} planted but not found, e.g. {list(missing)[:3]}; "
        f"{sum(extra.values())} found but not planted, e.g. {list(extra)[:3]}")
    rkey = lambda a: (a["case"], a["rule"], a["subject"])  # noqa: E731
    got_r = collections.Counter(rkey(a) for a in alerts if a["kind"] == "resolved")
    want_r = collections.Counter(rkey(e) for e in expected if e.get("resolved"))
    assert got_r == want_r, (f"{what}: resolved: {sum((want_r - got_r).values())} missing, "
                             f"{sum((got_r - want_r).values())} extra")
    return sum(want.values()), sum(want_r.values())


# ---- casewatch-simulate ----

def test_simulate_determinism(tmp):
    """The same seed gives the same bytes (JSON and Avro); another seed not."""
    args = ["--seed", "7", "--municipalities", "2", "--from", "2025-03-01", "--days", "200"]
    digest = []
    for i in range(2):
        p = run([SIMULATE, *args])
        digest.append(hashlib.sha256(p.stdout).hexdigest())
    assert digest[0] == digest[1], "same seed, different output"
    other = hashlib.sha256(run([SIMULATE, *args[2:], "--seed", "8"]).stdout).hexdigest()
    assert other != digest[0], "another seed gave the same output"
    a1 = run([SIMULATE, *args, "--format", "avro"]).stdout
    a2 = run([SIMULATE, *args, "--format", "avro"]).stdout
    assert a1 == a2 and a1[:4] == b"Obj\x01", "Avro output not deterministic"
    # The Avro container replays to the same alerts as the JSON lines.
    path = os.path.join(tmp, "a.avro")
    open(path, "wb").write(a1)
    j = run([REPLAY], run([SIMULATE, *args]).stdout).stdout
    a = run([REPLAY, "--input-format", "avro", path]).stdout
    n = len(j.splitlines())
    assert j == a and n > 100, "Avro and JSON replay differ"
    print(f"determinism: {digest[0][:12]} twice; {n} alerts from either format")


def test_simulate_calibration(tmp):
    """The caseload matches the national figures (legal-rules.md §5): per
    100 000 inhabitants about 4 000 reports a year, 1 in 5 about violence,
    ~38 % leading to an investigation; placements and LVU emergency
    custodies in proportion; weekly and seasonal rhythm."""
    ev, _, st = simulate(tmp, "--seed", "11", "--municipalities", "3", "--from", "2025-01-01",
                         "--days", "365")
    per = 100000 / st["population"] / st["years"]
    reports = st["reports"]
    figures = {
        "reports per 100 000 a year": (reports * per, 3600, 4400),
        "share about violence": (st["violence_reports"] / reports, 0.17, 0.23),
        "share investigated": (st["reports_investigated"] / reports, 0.33, 0.43),
        "placements per 100 000 a year": (st["placements"] * per, 80, 160),
        "LVU share of placements": (st["lvu_placements"] / max(st["placements"], 1), 0.2, 0.45),
        "LVU emergency custodies per 100 000 a year": (st["emergency_custodies"] * per, 15, 45),
    }
    for name, (v, lo, hi) in figures.items():
        assert lo <= v <= hi, f"{name}: {v:.3f} not in [{lo}, {hi}]"
    import datetime
    import zoneinfo
    tz = zoneinfo.ZoneInfo("Europe/Stockholm")
    by_wd, by_month = collections.Counter(), collections.Counter()
    for l in open(ev):
        e = json.loads(l)
        if e["type"] != "se.casewatch.report.received":
            continue
        t = datetime.datetime.fromisoformat(e["time"].replace("Z", "+00:00")).astimezone(tz)
        by_wd[t.weekday()] += 1
        by_month[t.month] += 1
    weekday = sum(by_wd[d] for d in range(5)) / 5
    weekend = (by_wd[5] + by_wd[6]) / 2
    assert weekday > 2.5 * weekend, f"weekly rhythm: {weekday:.0f} a weekday, {weekend:.0f} a weekend day"
    assert by_month[7] < 0.85 * by_month[9], f"summer: July {by_month[7]}, September {by_month[9]}"
    print("calibration: " + "; ".join(f"{k} {v[0]:.2f}" for k, v in figures.items()))


def test_simulate_planted(tmp):
    """Replayed to the end of the range, the simulated caseload gives
    exactly the breaches and violations the simulator planted (several
    seeds, ranges across the SoL change of 2025-07-01 and years with their
    holidays), and with no lateness none at all. Over three years every
    rule of the pack gets planted alerts."""
    runs = [["--seed", "1", "--municipalities", "1", "--from", "2025-01-01", "--days", "365"],
            ["--seed", "2", "--municipalities", "2", "--from", "2024-03-01", "--days", "700"],
            ["--seed", "3", "--municipalities", "3", "--from", "2023-06-15", "--days", "1095",
             "--history-years", "3"]]
    total = 0
    for i, args in enumerate(runs):
        ev, expected, st = simulate(tmp, *args, name=f"r{i}")
        dlq = os.path.join(tmp, f"r{i}.dlq")
        out = run([REPLAY, "--until", until_of(args), "--dlq", dlq, ev]).stdout
        assert os.path.getsize(dlq) == 0, f"run {i}: rejected events: {open(dlq).read()[:500]}"
        alerts = [json.loads(l) for l in out.splitlines()]
        n, r = compare_planted(alerts, expected, f"run {i}")
        assert n > 100, f"run {i}: only {n} planted"
        total += n
        print(f"run {i} ({' '.join(args)}): {st['events']} events, {len(alerts)} alerts, "
              f"{n} planted breaches/violations found exactly, {r} resolved")
    rules = [k for k, v in st["planted"].items() if v > 0]
    assert len(rules) == RULES, f"rules never planted: {set(st['planted']) - set(rules)}"
    args = ["--seed", "5", "--municipalities", "2", "--from", "2025-01-01", "--days", "500",
            "--late-share", "0"]
    ev, expected, _ = simulate(tmp, *args, name="none")
    out = run([REPLAY, "--until", until_of(args), ev]).stdout
    kinds = collections.Counter(json.loads(l)["kind"] for l in out.splitlines())
    assert expected == [] and kinds["breach"] == 0 and kinds["violation"] == 0, kinds
    print(f"planted: {total} in all; no lateness: {dict(kinds)}")


def test_simulate_usage(tmp):
    for bad in (["--from", "2025-13-01"], ["--days", "0"], ["--late-share", "2"],
                ["--municipality", "9999"], ["--speed", "-1"], ["--bootstrap", "x"],
                ["--format", "xml"], ["extra"]):
        p = run([SIMULATE, *bad], check=False)
        assert p.returncode == 2 and b"usage" in p.stderr, (bad, p.returncode, p.stderr)


def test_simulate_paced(tmp):
    """--speed paces simulated time (days per second) and writes the clock
    for processor.clock_file; Ctrl-C (SIGINT) stops it with status 130."""
    clock = os.path.join(tmp, "clock")
    t0 = time.time()
    p = run([SIMULATE, "--from", "2025-01-01", "--days", "3", "--speed", "2", "--scale", "0.1",
             "--clock-file", clock])
    took = time.time() - t0
    assert 1.2 <= took <= 6, f"3 days at 2 days/s took {took:.1f} s"
    assert open(clock).read().strip() == "2025-01-04T00:00:00+01:00", open(clock).read()
    proc = subprocess.Popen([SIMULATE, "--speed", "1", "--clock-file", clock],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.5)
    first = open(clock).read().strip()
    assert first.startswith("2025-01-0"), first
    proc.send_signal(2)
    assert proc.wait(10) == 130
    print(f"paced: 3 days in {took:.1f} s; clock file followed ({first})")


# ---- casewatch-produce ----

def test_produce_cli(tmp):
    """Validation, dead letters with reasons, exit statuses, files."""
    ev, _, _ = simulate(tmp, "--seed", "4", "--scale", "0.2", "--from", "2025-01-01",
                        "--days", "120")
    good = open(ev, "rb").read().splitlines()
    bad = [b"{not json", b'{"specversion":"1.0"}', b"x" * 70000,
           good[0].replace(b'"municipality":"2180"', b'"municipality":"21"'),
           good[1].replace(b'"type":"se.casewatch.', b'"type":"se.casewatch.nope.')]
    mixed = good[:50] + bad + good[50:]
    src = os.path.join(tmp, "in.jsonl")
    open(src, "wb").write(b"\n".join(mixed) + b"\n")
    out, dlq = os.path.join(tmp, "out.jsonl"), os.path.join(tmp, "dlq.jsonl")
    p = run([PRODUCE, "--output", out, "--dlq", dlq, src], check=False)
    assert p.returncode == 3, (p.returncode, p.stderr)
    assert open(out, "rb").read() == b"\n".join(good) + b"\n", "valid lines not passed byte for byte"
    rej = [json.loads(l) for l in open(dlq)]
    assert [r["reason"] for r in rej] == ["bad_json", "missing_attribute", "too_large",
                                          "bad_municipality", "unknown_type"], rej
    assert [r["offset"] for r in rej] == [50, 51, 52, 53, 54]
    assert rej[3]["event_id"] == json.loads(good[0])["id"]
    assert f"{len(mixed)} lines: {len(good)} valid, 5 rejected".encode() in p.stderr, p.stderr
    # All valid: 0. Avro container file: replays like the JSON lines.
    avro = os.path.join(tmp, "out.avro")
    assert run([PRODUCE, "--output", avro, "--format", "avro", ev]).returncode == 0
    assert run([REPLAY, ev]).stdout == run([REPLAY, "--input-format", "avro", avro]).stdout
    # Several files, standard input, and bad usage.
    p = run([PRODUCE, "--output", "-", ev, "-"], inp=open(ev, "rb").read())
    assert p.stdout == (b"\n".join(good) + b"\n") * 2
    for bad_args in ([], ["--bootstrap", "x"], ["--output", out, "--bootstrap", "x", "--topic", "t"],
                     ["--output", out, "--format", "xml"], ["--output", out, "--schema-id", "-1"],
                     ["--output", out, "--binary"],  # binary mode is a Kafka thing
                     ["--bootstrap", "x", "--topic", "t", "--format", "avro", "--binary"]):
        p = run([PRODUCE, *bad_args], check=False)
        assert p.returncode == 2 and b"usage" in p.stderr, (bad_args, p.returncode)
    p = run([PRODUCE, "--output", out, os.path.join(tmp, "missing.jsonl")], check=False)
    assert p.returncode == 1
    print(f"produce cli: {len(good)} passed through, 5 rejected with their reasons")


def test_produce_kafka(tmp):
    """To the embedded broker: JSON (keys are the case ids, values the lines,
    each case's events in order), Avro with a schema registered under
    <topic>-value, and a broker that is not there (exit 1)."""
    import harness as h
    import test_avro as ta
    ev, _, _ = simulate(tmp, "--seed", "5", "--scale", "0.2", "--from", "2025-01-01",
                        "--days", "90")
    lines = open(ev, "rb").read().splitlines()
    b = h.Broker({"json": 3, "avro": 3})
    reg = ta.Registry({}, "u", "p")
    try:
        # -X keys go only to a producer: a consumer-only one is not passed
        # on, so librdkafka warns about none (CONFWARN)
        p = run([PRODUCE, "--bootstrap", b.bootstrap, "--topic", "json",
                 "-X", "session.timeout.ms=30000", "-X", "linger.ms=10", ev])
        assert f"{len(lines)} delivered, 0 failed".encode() in p.stderr, p.stderr
        assert b"CONFWARN" not in p.stderr, p.stderr[-2000:]
        msgs = h.read_all(b.bootstrap, "json", 3, idle_s=1, want=len(lines))
        assert len(msgs) == len(lines)
        assert sorted(m.value() for m in msgs) == sorted(lines)
        for m in msgs:
            assert m.key() == json.loads(m.value())["subject"].encode()
        per_case = collections.defaultdict(list)
        for m in sorted(msgs, key=lambda m: (m.partition(), m.offset())):
            per_case[m.key()].append(m.value())
        want = collections.defaultdict(list)
        for l in lines:
            want[json.loads(l)["subject"].encode()].append(l)
        assert per_case == want, "a case's events out of order"

        env = dict(os.environ, CASEWATCH_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO="u:p")
        p = subprocess.run([PRODUCE, "--bootstrap", b.bootstrap, "--topic", "avro", "--format",
                            "avro", "--schema-registry", f"http://127.0.0.1:{reg.port}", ev],
                           capture_output=True, env=env)
        assert p.returncode == 0, p.stderr
        sid = reg.subjects.get("avro-value")
        assert sid and len(sid) == 1, reg.subjects
        sid = sid.pop()
        msgs = h.read_all(b.bootstrap, "avro", 3, idle_s=1, want=len(lines))
        assert len(msgs) == len(lines)
        assert all(m.value()[:5] == b"\x00" + sid.to_bytes(4, "big") for m in msgs)
        decoded = run([TOOL, "wire", "--local", f"{sid}={os.path.join(ROOT, 'schemas/case_event.avsc')}"],
                      b"".join(m.value().hex().encode() + b"\n" for m in msgs)).stdout.splitlines()
        normal = run([TOOL, "json"], b"\n".join(lines) + b"\n").stdout.splitlines()
        assert sorted(decoded) == sorted(normal), "Avro messages differ from their JSON lines"
    finally:
        reg.stop()
        b.stop()
    t0 = time.time()
    p = run([PRODUCE, "--bootstrap", "127.0.0.1:1", "--topic", "t", "-X", "message.timeout.ms=1500",
             "--quiet", ev], check=False)
    assert p.returncode == 1 and f"{len(lines)} failed".encode() in p.stderr, (p.returncode, p.stderr[-500:])
    print(f"produce kafka: {len(lines)} JSON and Avro (schema id {sid}) delivered and read back; "
          f"no broker: exit 1 after {time.time() - t0:.1f} s")


# ---- the demo ----

def test_demo(tmp):
    """The README's demo command, bounded: it starts the broker, the
    processor, the feed and the simulator, shows warnings, breaches and
    resolutions within half a minute (and the dashboard's API has them),
    and stops everything by itself, leaving nothing running."""
    _demo(tmp, "embedded", 25, 18, 60)


def test_demo_kafka(tmp):
    """The same with CASEWATCH_BROKER=kafka: a real Apache Kafka and Schema
    Registry (JVMs, started and stopped by the demo), the simulator writing
    Avro registered in the registry; nothing left running afterwards,
    neither JVM included."""
    _demo(tmp, "kafka", 60, 0, 200)


def _demo(tmp, broker, seconds, midway_s, max_s):
    import socket
    import threading
    import urllib.request
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    env = dict(os.environ, CASEWATCH_BUILD=BUILD, CASEWATCH_DEMO_PORT=str(port),
               CASEWATCH_BROKER=broker)
    t0 = time.time()
    errf = open(os.path.join(tmp, "demo.err"), "w+")
    proc = subprocess.Popen([os.path.join(ROOT, "deploy/local/demo.sh"), "--for", str(seconds)],
                            env=env, stdout=subprocess.PIPE, stderr=errf, text=True)
    got = []  # stdout as it comes (the registry's address is on it)
    reader = threading.Thread(target=lambda: got.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        # Midway, the dashboard's API shows open alerts and caseload. The real
        # broker's start-up time varies: there, poll until alerts and cases show.
        api = {}
        time.sleep(midway_s)
        deadline = time.time() + (0 if broker == "embedded" else 120)
        while True:
            try:
                for path in ("/api/alerts?limit=5", "/api/caseload"):
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                        api[path] = json.load(r)
                if (api["/api/alerts?limit=5"]["total"] > 0 and
                    api["/api/caseload"]["total"]["open_cases"] > 0) or time.time() > deadline:
                    break
            except OSError:
                if time.time() > deadline:
                    raise
            assert proc.poll() is None, ("the demo ended early", "".join(got)[-1500:])
            time.sleep(2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
            page = r.read().decode()
        subjects = None
        if broker == "kafka":  # the simulator registered its schema: Avro went through it
            regs = [l.split()[2] for l in list(got) if l.startswith("   schema registry: ")]
            assert regs, "".join(got)[:800]
            reg = regs[0]
            with urllib.request.urlopen(f"{reg}/subjects", timeout=10) as r:
                subjects = json.load(r)
            assert "case-events-value" in subjects, subjects
    except BaseException:  # a failed check stops the demo (its trap stops the JVMs too)
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=90)
        raise
    proc.wait(timeout=max_s + 60)
    reader.join(timeout=10)
    took = time.time() - t0
    out = "".join(got)
    errf.seek(0)
    err = errf.read()
    errf.close()
    assert proc.returncode == 0, (proc.returncode, out[-1500:], err[-1500:])
    assert api["/api/alerts?limit=5"]["total"] > 0, api["/api/alerts?limit=5"]
    assert api["/api/caseload"]["total"]["open_cases"] > 0, api["/api/caseload"]["total"]
    assert "casewatch" in page
    assert f"dashboard: http://127.0.0.1:{port}/" in out
    lines = out.splitlines()
    kinds = collections.Counter(l.split()[1] for l in lines if l[:2] == "20" and len(l.split()) > 2)
    for k in ("WARNING", "BREACH", "RESOLVED"):
        assert kinds[k] > 0, f"no {k} in the demo's output: {dict(kinds)}"
    assert "== stopped" in out and took < max_s, took
    if broker == "kafka":
        assert "(Apache Kafka," in out and "schema registry: http://127.0.0.1:" in out, out[:800]
    log = [l for l in lines if "processor started (log:" in l][0]
    tmpdir = os.path.dirname(log.split("log: ")[1].rstrip(")"))
    assert not os.path.exists(tmpdir), "demo left its directory"
    left = subprocess.run(["pgrep", "-f", tmpdir], capture_output=True).stdout
    assert not left, f"processes left running: {left}"
    print(f"demo ({broker}): {dict(kinds)} in {took:.0f} s; registry subjects: {subjects}; "
          f"dashboard midway: "
          f"{api['/api/alerts?limit=5']['total']} open alerts, "
          f"{api['/api/caseload']['total']['open_cases']} open cases")


if __name__ == "__main__":
    name = sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.time()
        globals()["test_" + name](tmp)
        print(f"{name}: {time.time() - t0:.1f} s")
    print("1 passed, 0 failed")
