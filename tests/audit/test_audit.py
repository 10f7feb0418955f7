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
# Every due date of the simulated years: the period option wide open, so
# that the counts are those of the whole export (the default period is the
# export's own range of event dates).
ALL = ["--from", "2000-01-01", "--to", "2100-12-31"]
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


def trigger_types(rule_id):
    """The event types that trigger a rule, from the default pack's source."""
    with open(os.path.join(ROOT, "common/engine/rulepack-se.json")) as f:
        pack = json.load(f)
    rule = next(r for r in pack["rules"] if r["id"] == rule_id)
    return {t if isinstance(t, str) else t["event"] for t in rule["trigger"]}


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
        m = audit_json("--as-of", AS_OF, *ALL, ev)
        assert m["input"]["rejected"] == 0 and m["input"]["after_as_of"] == 0, m["input"]
        assert m["period"]["outside"] == 0, m["period"]
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
        # the violation rate's denominator: the events of the types the rule
        # checks (from the pack itself, so new rules are covered too)
        for r in m["rules"]:
            if "deadline" in r:
                continue
            n = sum(types[t] for t in trigger_types(r["rule"]))
            t = r["totals"]
            assert t["triggered"] == n, (r["rule"], t["triggered"], n)
            assert abs(t["violation_rate"] - t["violations"] / n) < 1e-6 if n else \
                t["violation_rate"] is None, (r["rule"], t)
            assert sum(mu["triggered"] for mu in r["municipalities"]) == n
        assert sum(types[x] for x in ["followup.decided"]) == sum(
            r["totals"]["started"] for r in m["rules"]
            if r["rule"] in ("followup_closed_investigation", "followup_ended_placement"))
        assert n_late > 200, n_late
        print(f"seed {seed}: {n_late} late and {sum(viol.values())} violations found exactly; "
              f"overall on time {m['totals']['share_on_time']:.4f}")
    ev, expected = simulate(tmp, 5, "--late-share", "0", name="none")
    m = audit_json("--as-of", AS_OF, *ALL, ev)
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
    # the export's last event is what the files differ in: the cut file
    # ends before as-of, so its report warns
    assert mid.pop("warnings") == [] and again.pop("warnings") == ["as_of_after_last_event"]
    assert mid["input"].pop("export_last_event") > again["input"].pop("export_last_event")
    assert mid == again, "as-of differs from a file cut at that time"
    print(f"as-of: {mid['input']['after_as_of'] if 'after_as_of' in mid['input'] else ''}"
          f"mid-year {mid['totals']['started']} started vs {full['totals']['started']}")


def sum_counts(rows):
    c = collections.Counter()
    for row in rows:
        c.update({k: row[k] for k in COUNTS + ["triggered"]})
    return c


def test_period(tmp):
    """--from/--to count the obligations due in the period (violations by
    their event's date): two halves of a year add up to the year, rule by
    rule; the default period is the export's own range of event dates; the
    monthly trend keeps to the period; an as-of past the last event warns
    on stderr and in the report."""
    ev, _ = simulate(tmp, 8, name="p")
    year = audit_json("--as-of", AS_OF, "--from", "2025-01-01", "--to", "2025-12-31", ev)
    h1 = audit_json("--as-of", AS_OF, "--from", "2025-01-01", "--to", "2025-06-30", ev)
    h2 = audit_json("--as-of", AS_OF, "--from", "2025-07-01", "--to", "2025-12-31", ev)
    assert year["period"] == {"from": "2025-01-01", "to": "2025-12-31", "from_given": True,
                              "to_given": True, "outside": year["period"]["outside"]}
    for ry, r1, r2 in zip(year["rules"], h1["rules"], h2["rules"]):
        assert sum_counts([r1["totals"], r2["totals"]]) == sum_counts([ry["totals"]]), ry["rule"]
    assert all(h1["rules"][i]["totals"]["started"] > 0 for i in range(2))
    months = [m["month"] for m in h2["monthly"]]
    assert months and months[0] >= "2025-07" and months[-1] <= "2025-12", months
    # every obligation and violation is in exactly one of: the year, before, after
    wide = audit_json("--as-of", AS_OF, *ALL, ev)
    before = audit_json("--as-of", AS_OF, "--from", "2000-01-01", "--to", "2024-12-31", ev)
    after = audit_json("--as-of", AS_OF, "--from", "2026-01-01", "--to", "2100-12-31", ev)
    assert sum_counts([year["totals"], before["totals"], after["totals"]]) == \
        sum_counts([wide["totals"]])
    n = wide["totals"]["started"] + wide["totals"]["violations"]
    assert year["period"]["outside"] == n - year["totals"]["started"] - year["totals"]["violations"]
    # the default: the export's first to last event date (local)
    d = run([AUDIT, "--format", "json", ev])
    assert d.stderr == b"", d.stderr
    m = json.loads(d.stdout)
    first, last = m["input"]["first_event"][:10], m["input"]["last_event"][:10]
    assert (m["period"]["from"], m["period"]["to"]) == (first, last), (m["period"], m["input"])
    assert m["period"]["from_given"] is False and m["warnings"] == []
    assert m["monthly"][0]["month"] >= first[:7] and m["monthly"][-1]["month"] <= last[:7]
    # a history before the year: the trend starts in the year only with --from
    assert m["monthly"][0]["month"] < "2025-01", m["monthly"][0]
    # as-of past the last event: a warning on stderr and in the report
    p = run([AUDIT, "--as-of", AS_OF, ev])
    assert b"warning: --as-of 2026-01-01T00:00:00+01:00 is past the export's last event" \
        in p.stderr, p.stderr
    assert b'id=warning' in p.stdout and "Varning:".encode() in p.stdout
    assert json.loads(run([AUDIT, "--format", "json", "--as-of", AS_OF, ev]).stdout)[
        "warnings"] == ["as_of_after_last_event"]
    p = run([AUDIT, "--as-of", "2025-07-01T00:00:00+02:00", ev])
    assert p.stderr == b"" and b"id=warning" not in p.stdout
    print(f"period: halves add up for {len(year['rules'])} rules; default {first}..{last}; "
          f"{year['period']['outside']} outside 2025; the as-of warning")


def visible_text(html):
    """The page's text without tags, styles and the data (numbers, dates,
    ids in parentheses)."""
    import html as h
    import re
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    html = re.sub(r"<title>.*?</title>", " ", html, flags=re.S)
    html = re.sub(r"<code>.*?</code>", " ", html, flags=re.S)
    html = re.sub(r'<span class=dim>\([a-z0-9_]+\)</span>', " ", html)
    return h.unescape(re.sub(r"<[^>]+>", " ", html))


def test_lang(tmp):
    """The HTML in Swedish by default and English with --lang en, whole:
    every rule by its title from the pack in that language, no heading or
    table word of the other language."""
    import re
    ev, _ = simulate(tmp, 3, name="l")
    m = audit_json("--as-of", "2025-12-01T00:00:00+01:00", ev)
    sv = run([AUDIT, "--as-of", "2025-12-01T00:00:00+01:00", ev]).stdout.decode()
    en = run([AUDIT, "--as-of", "2025-12-01T00:00:00+01:00", "--lang", "en", ev]).stdout.decode()
    assert "<html lang=sv>" in sv and "<html lang=en>" in en
    for r in m["rules"]:
        assert r["title_sv"] and r["title_en"] and r["title_sv"] != r["title_en"], r["rule"]
        assert f">{r['title_sv']}" in sv, r["title_sv"]
        assert f">{r['title_en']}" in en, r["title_en"]
        assert f">{r['title_en']}<" not in sv and f">{r['title_sv']}<" not in en, r["rule"]
    tsv, ten = visible_text(sv), visible_text(en)
    for word in ("Lagstadgade tidsfrister", "Översikt", "Kommun", "Andel i tid", "Regler",
                 "Lagrum", "Förskjutning", "sista dag", "Ärende", "Period"):
        assert word in tsv, word
    for r in m["rules"]:  # unit names are data (Swedish in both)
        for mu in r["municipalities"]:
            for u in mu["units"]:
                ten = ten.replace(u["unit"], " ")
    ten = ten.replace(m["rule_pack"]["name"], " ")  # a name too
    english = re.compile(r"\b(the|of|on time|Municipality|Deadline|Rules|Overview|Started|"
                         r"Legal reference|Roll forward|months|days|Case|at a glance)\b", re.I)
    hits = [x for x in english.findall(tsv)]
    assert not hits, ("English in the Swedish report", hits[:20])
    for word in ("Statutory timelines", "At a glance", "Municipality", "On time", "Rules",
                 "Legal reference", "Roll forward", "Case"):
        assert word in ten, word
    swedish = re.compile(r"\b(och|av|i tid|Kommun|Tidsfrist|Regler|Översikt|Startade|Lagrum|"
                         r"månader|dagar|Ärende|till)\b", re.I)
    hits = [x for x in swedish.findall(ten)]
    assert not hits, ("Swedish in the English report", hits[:20])
    # decimal comma in Swedish, point in English
    s = m["rules"][1]["totals"]["share_on_time"]
    assert f"{100 * s:.1f} %".replace(".", ",") in tsv and f"{100 * s:.1f} %" in ten
    # more municipalities than fit across: municipalities as rows, by name
    ev12 = os.path.join(tmp, "m12.jsonl")
    run([SIMULATE, "--seed", "2", "--municipalities", "12", "--from", "2025-01-01", "--days", "90",
         "--output", ev12])
    m12 = audit_json(ev12)
    sv12 = run([AUDIT, ev12]).stdout.decode()
    heat = sv12[sv12.index("<table class=heat id=heat>"):]
    heat = heat[:heat.index("</table>")]
    names = sorted({(mu["municipality"], mu["municipality_name"]) for r in m12["rules"]
                    for mu in r["municipalities"]})
    assert len(names) == 12 and all(n for _, n in names), names
    rows = re.findall(r"<tr><th class=l>([^<]*) <span class=dim>(\d{4})</span>", heat)
    assert [(code, name) for name, code in rows] == names, rows
    print(f"lang: {len(m['rules'])} rule titles in each language; no foreign words; "
          f"12 municipalities as rows by name")


def test_usage(tmp):
    for bad in (["--as-of", "2025-01-01"], ["--format", "xml"], ["--input-format", "csv"],
                ["--nope"], ["--from", "2025-13-01"], ["--to", "yesterday"],
                ["--from", "2025-06-01", "--to", "2025-05-31"], ["--lang", "de"]):
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
    p = subprocess.Popen([AUDIT, "--format", "json", ev], stdout=subprocess.PIPE, stderr=slave)
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
    assert out == run([AUDIT, "--format", "json", ev]).stdout
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


def need_chromium():
    if not (shutil.which("chromium") or os.path.exists("/usr/bin/chromium")):
        print("chromium is not installed (deploy/local/setup.sh installs it): skipped")
        sys.exit(77)


def pct_sv(share):
    return f"{100 * share:.1f} %".replace(".", ",")


def test_browser(tmp):
    """The Swedish HTML report in real Chromium: the period, the heat table
    of municipalities by name with the model's shares, three charts with a
    size (the dot chart with a mark per rule on a zoomed axis), the rules by
    their Swedish titles with law and arithmetic, and a drill-down link that
    lands on the case's timeline; no request leaves the file. A screenshot
    goes to the build directory (tests/audit/audit_report.png;
    consumers/audit/report.png is a copy of it)."""
    need_chromium()
    ev, _ = simulate(tmp, 3, name="b")
    html = os.path.join(tmp, "report.html")
    period = ["--from", "2025-01-01", "--to", "2025-12-31"]
    run([AUDIT, "--as-of", AS_OF, *period, "--output", html, ev])
    m = audit_json("--as-of", AS_OF, *period, ev)
    with_share = [r for r in m["rules"] if r["totals"]["share_on_time"] is not None]
    out_dir = os.path.join(BUILD, "tests", "audit")
    os.makedirs(out_dir, exist_ok=True)
    c = Chromium(tmp, 1200, 1500)
    try:
        c.call("Page.navigate", {"url": "file://" + html})
        assert c.wait("document.readyState === 'complete'")
        assert c.eval("document.documentElement.lang") == "sv"
        assert c.eval("document.querySelectorAll('svg.chart').length") == 3
        sizes = c.eval("[...document.querySelectorAll('svg.chart')].map(s => "
                       "{ const b = s.getBoundingClientRect(); return [b.width, b.height]; })")
        assert all(w > 300 and h > 100 for w, h in sizes), sizes
        # the period
        assert "Period (sista dagar som räknas): 2025-01-01 till 2025-12-31" in c.eval(
            "document.getElementById('period').innerText")
        # the heat table: municipalities by name, the shares of the model
        head = c.eval("[...document.querySelectorAll('#heat thead th')].map(t => t.innerText)")
        munis = m["rules"][0]["municipalities"]
        for mu in munis:
            assert mu["municipality_name"] and any(
                h.startswith(mu["municipality_name"]) for h in head), (mu, head)
        rows = c.eval("[...document.querySelectorAll('#heat tbody tr')].map(tr => "
                      "[...tr.children].map(td => td.innerText))")
        by_title = {r[0]: r[1:] for r in rows}
        for r in with_share:
            if "deadline" not in r:
                continue
            cells = by_title[r["title_sv"]]
            for i, mu in enumerate(r["municipalities"]):
                assert cells[i] == pct_sv(mu["share_on_time"]), (r["rule"], cells, mu)
            assert cells[len(r["municipalities"])] == pct_sv(r["totals"]["share_on_time"])
        assert by_title["Alla tidsfrister"][-1] == pct_sv(m["totals"]["share_on_time"])
        # the dot chart: a mark per rule with a share, on an axis not from 0
        marks = c.eval("document.querySelectorAll('#dots rect.total').length")
        assert marks == len([r for r in with_share if "deadline" in r]), marks
        axis = c.eval("document.querySelector('#dots text.ax').textContent")
        assert axis != "0,0 %", axis
        points = c.eval("document.querySelector('#monthly polyline').points.numberOfItems")
        assert points == len([x for x in m["monthly"] if x["share_on_time"] is not None]), points
        text = c.eval("document.body.innerText")
        for r in m["rules"]:
            assert c.eval(f"document.getElementById('{r['rule']}').innerText").startswith(
                r["title_sv"]), r["rule"]
        assert "SoL (2025:400) 20 kap. 2 §" in text, "legal reference"
        assert "Förskjutning" in text and "4 månader" in text and "genast" in text
        pre = c.eval("document.getElementById('preassessment_14d').nextElementSibling.innerText")
        assert "14 dagar" in pre and "ja" in pre, pre
        # violations as a rate
        viol = [r for r in m["rules"] if "deadline" not in r and r["totals"]["triggered"]]
        vt = c.eval("document.getElementById('violations').innerText")
        for r in viol:
            assert f"{pct_sv(r['totals']['violation_rate'])} ({r['totals']['violations']} av " \
                   f"{r['totals']['triggered']})" in vt, (r["rule"], vt)
        # drill-down: a worst case's link lands on its timeline
        case = next(w["case"] for r in m["rules"] for w in r["worst"])
        timeline = m["cases"][case]
        href = c.eval(f"[...document.querySelectorAll('a.case')].find(a => a.textContent === "
                      f"{json.dumps(case)}).getAttribute('href')")
        c.eval(f"[...document.querySelectorAll('a.case')].find(a => a.textContent === "
               f"{json.dumps(case)}).click()")
        assert c.wait(f"location.hash === {json.dumps(href)}"), href
        sec = f"document.getElementById({json.dumps(href[1:])})"
        assert c.eval(f"{sec}.querySelector('h3').innerText") == f"Ärende {case}"
        assert abs(c.eval(f"{sec}.getBoundingClientRect().top")) < 5  # scrolled to it
        assert c.eval(f"{sec}.querySelectorAll('table.events tbody tr').length") == \
            len(timeline["events"]) > 0
        assert c.eval(f"{sec}.querySelectorAll('table.obl tbody tr').length") == \
            len(timeline["obligations"]) > 0
        late = [o for o in timeline["obligations"] if o["status"] in ("met_late", "open_overdue")]
        assert late and any(o["due"] in c.eval(f"{sec}.innerText") for o in late)
        assert all(u.startswith("file:") or u.startswith("about:") or u.startswith("data:")
                   for u in c.requests), c.requests
        c.eval("window.scrollTo(0, 0)")
        path = os.path.join(out_dir, "audit_report.png")
        c.screenshot(path)
        assert os.path.getsize(path) > 20000
    finally:
        c.close()
    print(f"browser: period, {len(munis)} municipalities by name, 3 charts, "
          f"{len(m['rules'])} rule sections, drill-down to {case}; screenshot {path}")


def png_gray(path):
    """(width, height, rows of gray values) of an 8-bit gray or RGB PNG
    (what pdftoppm -png writes), unfiltered by hand: only the standard
    library."""
    import struct
    import zlib
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (0, 2), (depth, color)
            bpp = 1 if color == 0 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    stride = w * bpp
    raw, rows, prev = zlib.decompress(idat), [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line[::bpp]))  # gray: any channel of a gray page
        prev = line
    return w, h, rows


def test_pdf(tmp):
    """--pdf through headless Chromium: pdftoppm turns it into PNG pages,
    each A4 and none blank; the first page has the title and the period,
    and the Swedish text (pdftotext) holds every rule's title and a case's
    timeline."""
    need_chromium()
    if not shutil.which("pdftoppm"):
        print("pdftoppm is not installed (poppler-utils; deploy/local/setup.sh): skipped")
        sys.exit(77)
    ev, _ = simulate(tmp, 3, name="pdf")
    pdf = os.path.join(tmp, "report.pdf")
    m = audit_json("--as-of", AS_OF, "--from", "2025-01-01", ev)
    p = run([AUDIT, "--as-of", AS_OF, "--from", "2025-01-01", "--format", "json", "--pdf", pdf,
             ev])
    assert json.loads(p.stdout) == m  # the PDF is made beside the JSON report
    assert open(pdf, "rb").read(5) == b"%PDF-"
    run(["pdftoppm", "-png", "-gray", "-r", "30", pdf, os.path.join(tmp, "page")])
    pages = sorted(f for f in os.listdir(tmp) if f.startswith("page") and f.endswith(".png"))
    assert len(pages) >= 4, pages
    for name in pages:
        w, h, rows = png_gray(os.path.join(tmp, name))
        assert abs(h / w - 297 / 210) < 0.02, (name, w, h)  # A4 portrait
        ink = sum(sum(1 for v in r if v < 200) for r in rows) / (w * h)
        assert ink > 0.003, (name, ink)  # not blank
    first = run(["pdftotext", "-f", "1", "-l", "1", pdf, "-"]).stdout.decode()
    assert "Lagstadgade tidsfrister" in first and "2025-01-01 till" in first, first[:500]
    text = " ".join(run(["pdftotext", pdf, "-"]).stdout.decode().split())
    for r in m["rules"]:
        assert r["title_sv"] in text, r["title_sv"]
    case = next(iter(m["cases"]))
    assert f"Ärende {case}" in text
    # from the --output page, in a folder whose name needs percent-encoding
    folder = os.path.join(tmp, "rapport 2025 #1")
    os.makedirs(folder)
    html, pdf2 = os.path.join(folder, "r.html"), os.path.join(folder, "r.pdf")
    run([AUDIT, "--lang", "en", "--output", html, "--pdf", pdf2, ev])
    assert "Statutory timelines" in run(["pdftotext", "-l", "1", pdf2, "-"]).stdout.decode()
    # a missing browser is an error, not an empty file
    env = dict(os.environ, CASEWATCH_CHROMIUM="/nonexistent/chromium")
    p = subprocess.run([AUDIT, "--pdf", os.path.join(tmp, "x.pdf"), ev], capture_output=True,
                       env=env)
    assert p.returncode == 1 and b"could not be run" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(tmp, "x.pdf"))
    print(f"pdf: {len(pages)} A4 pages, none blank; title, period, {len(m['rules'])} rule "
          f"titles and a timeline in its text")


if __name__ == "__main__":
    name = sys.argv[2]
    with tempfile.TemporaryDirectory(prefix=f"audit_{name}.") as tmp:
        globals()[f"test_{name}"](tmp)
