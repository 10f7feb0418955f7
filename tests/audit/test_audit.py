#!/usr/bin/python3
"""casewatch-audit (issue 11), black-box.

Usage: test_audit.py BUILD_DIR TEST_NAME

The simulator plants late steps and violations and lists them (--expected);
the audit of the simulated year must find exactly those, rule by rule."""
import base64
import collections
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = sys.argv[1]
SIMULATE = os.path.join(BUILD, "producers/simulate/casewatch-simulate")
AUDIT = os.path.join(BUILD, "consumers/audit/casewatch-audit")
AS_OF = "2026-01-01T00:00:00+01:00"
YEAR = ["--municipalities", "2", "--from", "2025-01-01", "--days", "365"]
COUNTS = ["started", "met_on_time", "met_late", "open_overdue", "open_not_due", "cancelled",
          "violations"]

# Rules whose obligations start once per event of one type (EVENTS.md §3).
DIRECT = {
    "protection_assessment_immediate": ["report.received"],
    "preassessment_14d": ["report.received"],
    "investigation_4_months": ["investigation.opened"],
    "care_plan_at_placement": ["placement.started"],
    "care_plan_revision_2_years": ["placement.started"],
    "post_lvu_care_followup_6_months": ["post_care_followup.started"],
    "lvu_emergency_court_submission_1_week": ["lvu.emergency_custody"],
    "lvu_care_application_4_weeks": ["lvu.emergency_custody"],
}


def run(args, inp=None, check=True):
    p = subprocess.run(args, input=inp, capture_output=True)
    if check and p.returncode != 0:
        raise AssertionError(f"{args}: exit {p.returncode}: {p.stderr.decode()[-2000:]}")
    return p


def simulate(tmp, seed, *extra, name="sim"):
    ev, ex = os.path.join(tmp, f"{name}.jsonl"), os.path.join(tmp, f"{name}.expected")
    run([SIMULATE, "--seed", str(seed), *YEAR, *extra, "--output", ev, "--expected", ex])
    return ev, [json.loads(l) for l in open(ex)]


def audit_json(*args):
    return json.loads(run([AUDIT, "--format", "json", *args]).stdout)


def event_counts(path):
    c = collections.Counter()
    for line in open(path):
        c[json.loads(line)["type"].removeprefix("se.casewatch.")] += 1
    return c


def check_consistent(row, what):
    """met_on_time = started - late - open - cancelled, and the share."""
    assert row["met_on_time"] == (row["started"] - row["met_late"] - row["open_overdue"]
                                  - row["open_not_due"] - row["cancelled"]), (what, row)
    den = row["met_on_time"] + row["met_late"] + row["open_overdue"]
    if den:
        assert abs(row["share_on_time"] - row["met_on_time"] / den) < 1e-6, (what, row)
    else:
        assert row["share_on_time"] is None, (what, row)
    if row["met_on_time"] + row["met_late"]:
        assert 0 <= row["median_days"] <= row["p90_days"], (what, row)


def test_shares(tmp):
    """Per rule: met late = planted breaches resolved in the year, open
    overdue = planted breaches not resolved by as-of, violations = planted
    violations; started = an independent count of the triggering events;
    the municipality and unit rows add up; the share follows. Two seeds,
    and one year with no lateness at all (every share 100 %)."""
    for seed in (3, 17):
        ev, expected = simulate(tmp, seed, name=f"s{seed}")
        m = audit_json("--as-of", AS_OF, ev)
        assert m["input"]["rejected"] == 0 and m["input"]["after_as_of"] == 0, m["input"]
        late = collections.Counter(e["rule"] for e in expected
                                   if e["kind"] == "breach" and e["resolved"])
        open_ = collections.Counter(e["rule"] for e in expected
                                    if e["kind"] == "breach" and not e["resolved"])
        viol = collections.Counter(e["rule"] for e in expected if e["kind"] == "violation")
        types = event_counts(ev)
        n_late = 0
        for r in m["rules"]:
            rule, t = r["rule"], r["totals"]
            got = (t["met_late"], t["open_overdue"], t["violations"])
            want = (late[rule], open_[rule], viol[rule])
            assert got == want, f"seed {seed} {rule}: (late, open overdue, violations) {got} != {want}"
            if rule in DIRECT:
                n = sum(types[x] for x in DIRECT[rule])
                assert t["started"] == n, f"seed {seed} {rule}: started {t['started']} != {n}"
            check_consistent(t, rule)
            sums = collections.Counter()
            for mu in r["municipalities"]:
                check_consistent(mu, (rule, mu["municipality"]))
                usum = collections.Counter()
                for u in mu["units"]:
                    check_consistent(u, (rule, mu["municipality"], u["unit"]))
                    usum.update({k: u[k] for k in COUNTS})
                assert usum == collections.Counter({k: mu[k] for k in COUNTS}), (rule, mu)
                sums.update({k: mu[k] for k in COUNTS})
            assert sums == collections.Counter({k: t[k] for k in COUNTS}), (rule, sums, t)
            assert len(r["municipalities"]) <= 2, rule
            assert all(mu["started"] + mu["violations"] > 0 for mu in r["municipalities"]), rule
            worst = [w["days_overdue"] for w in r["worst"]]
            assert worst == sorted(worst, reverse=True) and all(d > 0 for d in worst), r["worst"]
            assert len(worst) == min(10, t["met_late"] + t["open_overdue"]), (rule, worst)
            n_late += t["met_late"] + t["open_overdue"]
        assert sum(types[x] for x in ["followup.decided"]) == sum(
            r["totals"]["started"] for r in m["rules"]
            if r["rule"] in ("followup_closed_investigation", "followup_ended_placement"))
        assert n_late > 200, n_late
        print(f"seed {seed}: {n_late} late and {sum(viol.values())} violations found exactly; "
              f"overall on time {m['totals']['share_on_time']:.4f}")
    ev, expected = simulate(tmp, 5, "--late-share", "0", name="none")
    m = audit_json("--as-of", AS_OF, ev)
    assert expected == []
    for r in m["rules"]:
        t = r["totals"]
        assert t["met_late"] == t["open_overdue"] == t["violations"] == 0, r
        assert t["share_on_time"] in (1.0, None), r
    print("no lateness: every share 100 %")


def test_avro(tmp):
    """An Avro container file audits to the same report as JSON lines."""
    ev, _ = simulate(tmp, 4, name="j")
    avro = os.path.join(tmp, "a.avro")
    with open(avro, "wb") as f:
        f.write(run([SIMULATE, "--seed", "4", *YEAR, "--format", "avro"]).stdout)
    j = run([AUDIT, "--format", "json", "--as-of", AS_OF, ev]).stdout
    a = run([AUDIT, "--format", "json", "--as-of", AS_OF, "--input-format", "avro", avro]).stdout
    assert j == a, "Avro and JSON reports differ"
    # standard input too
    s = run([AUDIT, "--format", "json", "--as-of", AS_OF], inp=open(ev, "rb").read()).stdout
    assert s == j
    print(f"avro: the same {len(j)} bytes of report from either format and from stdin")


def test_csv(tmp):
    """--csv DIR writes the same tables as the JSON report."""
    ev, _ = simulate(tmp, 6, name="c")
    out = os.path.join(tmp, "csv")
    m = audit_json("--as-of", AS_OF, "--csv", out, ev)
    files = sorted(os.listdir(out))
    assert files == sorted(["rules.csv", "municipalities.csv", "units.csv", "worst.csv",
                            "monthly.csv", "days_from_due.csv", "deadlines.csv",
                            "legal_refs.csv"]), files

    def rows(name):
        with open(os.path.join(out, name), newline="") as f:
            return list(csv.DictReader(f))

    by_rule = {r["rule"]: r for r in rows("rules.csv")}
    for r in m["rules"]:
        row = by_rule[r["rule"]]
        for k in COUNTS:
            assert int(row[k]) == r["totals"][k], (r["rule"], k)
        s = r["totals"]["share_on_time"]
        assert (row["share_on_time"] == "") == (s is None), row
        if s is not None:
            assert abs(float(row["share_on_time"]) - s) < 1e-6
    assert int(by_rule["all"]["started"]) == m["totals"]["started"]
    units = rows("units.csv")
    assert sum(int(u["met_late"]) for u in units) == sum(r["totals"]["met_late"]
                                                        for r in m["rules"])
    worst = rows("worst.csv")
    assert len(worst) == sum(len(r["worst"]) for r in m["rules"])
    days = rows("days_from_due.csv")
    assert sum(int(d["count"]) for d in days if d["rule"] == "all") == sum(
        r["totals"]["met_on_time"] + r["totals"]["met_late"] + r["totals"]["open_overdue"]
        for r in m["rules"])
    dl = {(d["rule"], d["from"]): d for d in rows("deadlines.csv")}
    f = dl[("followup_closed_investigation", "2025-07-01")]
    assert f["period"] == "6m" and f["roll_forward"] == "yes" and f["anchor"] == "concluded", f
    assert dl[("preassessment_14d", "")]["period"] == "14d"
    refs = rows("legal_refs.csv")
    assert any(r["rule"] == "preassessment_14d" and r["law"] == "SoL (2025:400)"
               and r["from"] == "2025-07-01" for r in refs), refs[:3]
    print(f"csv: {len(files)} files agree with the JSON report")


def test_as_of(tmp):
    """Events after --as-of are not counted; the default as-of is the last
    event's time; an earlier as-of has fewer obligations started."""
    ev, _ = simulate(tmp, 8, name="o")
    full = audit_json(ev)
    assert full["as_of"] == full["input"]["last_event"], (full["as_of"], full["input"])
    mid = audit_json("--as-of", "2025-07-01T00:00:00+02:00", ev)
    assert mid["input"]["after_as_of"] > 0
    assert mid["input"]["events"] + mid["input"]["after_as_of"] == full["input"]["events"]
    assert mid["totals"]["started"] < full["totals"]["started"]
    last = max(m["month"] for m in mid["monthly"])
    assert last <= "2025-06", last
    # the same as-of via the file cut at that time gives the same report
    cut = os.path.join(tmp, "cut.jsonl")
    import datetime
    limit = datetime.datetime.fromisoformat("2025-07-01T00:00:00+02:00")
    with open(cut, "w") as f:
        for line in open(ev):
            t = datetime.datetime.fromisoformat(json.loads(line)["time"].replace("Z", "+00:00"))
            if t <= limit:
                f.write(line)
    again = audit_json("--as-of", "2025-07-01T00:00:00+02:00", cut)
    mid["input"].pop("after_as_of")
    again["input"].pop("after_as_of")
    mid["input"].pop("records")
    again["input"].pop("records")
    assert mid == again, "as-of differs from a file cut at that time"
    print(f"as-of: {mid['input']['after_as_of'] if 'after_as_of' in mid['input'] else ''}"
          f"mid-year {mid['totals']['started']} started vs {full['totals']['started']}")


def test_usage(tmp):
    for bad in (["--as-of", "2025-01-01"], ["--format", "xml"], ["--input-format", "csv"],
                ["--nope"]):
        p = run([AUDIT, *bad], check=False)
        assert p.returncode == 2 and b"usage" in p.stderr, (bad, p.returncode, p.stderr)
    p = run([AUDIT, os.path.join(tmp, "missing.jsonl")], check=False)
    assert p.returncode == 1, p.returncode
    p = run([AUDIT, "--input-format", "avro"], inp=b"not avro", check=False)
    assert p.returncode == 1, p.returncode
    # empty input: a report with nothing in it
    m = json.loads(run([AUDIT, "--format", "json"], inp=b"").stdout)
    assert m["totals"]["started"] == 0 and m["input"]["events"] == 0
    # rejected lines are counted, not fatal
    m = json.loads(run([AUDIT, "--format", "json"], inp=b"{}\nnot json\n").stdout)
    assert m["input"]["rejected"] == 2, m["input"]
    # no progress line when standard error is not a terminal
    assert run([AUDIT], inp=b"").stderr == b""
    print("usage: bad options 2, unreadable input 1, empty and rejected input reported")


def test_progress(tmp):
    """On a terminal, standard error shows a progress line (records and
    percent of the file) ended by a newline; the report is unchanged."""
    import pty
    ev, _ = simulate(tmp, 9, name="p")
    master, slave = pty.openpty()
    p = subprocess.Popen([AUDIT, "--format", "json", "--as-of", AS_OF, ev],
                         stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    out = p.stdout.read()
    assert p.wait() == 0
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    os.close(master)
    text = err.decode()
    assert "\r" in text and " records" in text and "%" in text, repr(text[:300])
    assert text.rstrip().endswith("building the report\x1b[K"), repr(text[-200:])
    assert out == run([AUDIT, "--format", "json", "--as-of", AS_OF, ev]).stdout
    print(f"progress: {text.count(chr(13))} updates on a terminal")


# ---- the browser ----

class Chromium:
    """Headless Chromium over the DevTools protocol on a pipe
    (--remote-debugging-pipe: NUL-separated JSON on fds 3 and 4), as in
    tests/feed/test_feed.py."""

    def __init__(self, tmp, width, height):
        exe = shutil.which("chromium") or "/usr/bin/chromium"
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()

        def fds():
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             f"--window-size={width},{height}", "--hide-scrollbars", "--no-first-run",
             f"--user-data-dir={tmp}/chromium", "about:blank"],
            preexec_fn=fds, close_fds=False, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(tmp, "chromium.log"), "w"))
        os.close(to_r)
        os.close(from_w)
        self.buf, self.next_id, self.session = b"", 0, None
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable")
        self.call("Network.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.requests = []

    def call(self, method, params=None, timeout_s=30):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if self.session and not method.startswith("Target."):
            msg["sessionId"] = self.session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        start = time.time()
        while time.time() - start < timeout_s:
            while b"\0" in self.buf:
                raw, self.buf = self.buf.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("method") == "Network.requestWillBeSent":
                    self.requests.append(reply["params"]["request"]["url"])
                if reply.get("id") == self.next_id:
                    assert "error" not in reply, (method, reply["error"])
                    return reply["result"]
            chunk = os.read(self.from_r, 1 << 20)
            assert chunk, "chromium closed the pipe"
            self.buf += chunk
        raise AssertionError(f"{method}: no answer")

    def eval(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                           "awaitPromise": True})
        assert "exceptionDetails" not in r, r["exceptionDetails"]
        return r["result"].get("value")

    def wait(self, expr, timeout_s=30):
        end = time.time() + timeout_s
        while time.time() < end:
            v = self.eval(expr)
            if v:
                return v
            time.sleep(0.2)
        return None

    def screenshot(self, path, full=False):
        params = {"format": "png"}
        if full:
            params["captureBeyondViewport"] = True
        data = self.call("Page.captureScreenshot", params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.call("Browser.close", timeout_s=5)
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def test_browser(tmp):
    """The HTML report in real Chromium: three inline SVG charts drawn with
    a bar per rule that has a share, the per-rule tables and the legal
    references and deadline arithmetic; no request leaves the file. A
    screenshot goes to the build directory (tests/audit/audit_report.png;
    consumers/audit/report.png is a copy of it)."""
    if not (shutil.which("chromium") or os.path.exists("/usr/bin/chromium")):
        print("chromium is not installed (deploy/local/setup.sh installs it): skipped")
        sys.exit(77)
    ev, _ = simulate(tmp, 3, name="b")
    html = os.path.join(tmp, "report.html")
    run([AUDIT, "--as-of", AS_OF, "--output", html, ev])
    m = audit_json("--as-of", AS_OF, ev)
    with_share = [r for r in m["rules"] if r["totals"]["share_on_time"] is not None]
    out_dir = os.path.join(BUILD, "tests", "audit")
    os.makedirs(out_dir, exist_ok=True)
    c = Chromium(tmp, 1200, 1500)
    try:
        c.call("Page.navigate", {"url": "file://" + html})
        assert c.wait("document.readyState === 'complete'")
        assert c.eval("document.querySelectorAll('svg.chart').length") == 3
        # every chart really has a size on the page
        sizes = c.eval("[...document.querySelectorAll('svg.chart')].map(s => "
                       "{ const b = s.getBoundingClientRect(); return [b.width, b.height]; })")
        assert all(w > 300 and h > 100 for w, h in sizes), sizes
        bars = c.eval("document.querySelectorAll('svg.chart')[0].querySelectorAll('rect').length")
        assert bars == len(with_share), (bars, len(with_share))
        widths = c.eval("[...document.querySelectorAll('svg.chart')[0].querySelectorAll('rect')]"
                        ".map(r => r.getBBox().width)")
        assert all(w > 100 for w in widths), widths  # shares are above 25 % here
        points = c.eval("document.querySelector('svg.chart polyline').points.numberOfItems")
        assert points == len([x for x in m["monthly"] if x["share_on_time"] is not None]), points
        text = c.eval("document.body.innerText")
        for r in m["rules"]:
            assert c.eval(f"!!document.getElementById('{r['rule']}')"), r["rule"]
        assert "SoL (2025:400) 20 kap. 2 §" in text, "legal reference"
        assert "Roll forward" in text and "4 months" in text and "genast" in text
        pre = c.eval("document.getElementById('preassessment_14d').nextElementSibling.innerText")
        assert "14 days" in pre and "yes" in pre, pre
        t = m["rules"][1]["totals"]
        assert f"{100 * t['share_on_time']:.1f} %" in text
        assert all(u.startswith("file:") or u.startswith("about:") or u.startswith("data:")
                   for u in c.requests), c.requests
        path = os.path.join(out_dir, "audit_report.png")
        c.screenshot(path)
        assert os.path.getsize(path) > 20000
    finally:
        c.close()
    print(f"browser: 3 charts, {len(with_share)} share bars, {len(m['rules'])} rule sections; "
          f"screenshot {path}")


if __name__ == "__main__":
    name = sys.argv[2]
    with tempfile.TemporaryDirectory(prefix=f"audit_{name}.") as tmp:
        globals()[f"test_{name}"](tmp)
