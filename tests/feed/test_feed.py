#!/usr/bin/python3
"""casewatch-feed against the embedded broker and the real processor
(issue 8). Each test starts its own broker on a free loopback port and
stops it afterwards.

Usage: test_feed.py BUILD_DIR TEST_NAME

The feed's own cases (partition 2, see feedlib.own_cases):
  C-feed-warn    preassessment warning sent, then done on time: no alert
                 says so; the snapshot does, so the warning is not open
  C-feed-closed  protection assessment breached, then the case closed:
                 tombstone, nothing open
  C-feed-open    preassessment warning, then breach (pinned clock): open
  C-feed-live    produced once the feed is ready: its breach comes by SSE"""
import base64
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import feedlib as fl  # noqa: E402

h = fl.h


# ---- the reference: what should be open, from the topics ----

def snapshot_closed(value):
    """The closed flag of a CWS snapshot (layout: common/engine/snapshot.c)."""
    assert value[:4] == b"CWS\x01"
    pos = 4
    for _ in range(4):  # id, municipality, unit, caseworker
        n = struct.unpack_from("<H", value, pos)[0]
        pos += 2 + n
    return value[pos + 3] != 0


def expected_open(alert_msgs, changelog_msgs):
    """Open alerts by the feed's rules, except the snapshot check of
    warnings (so the feed may show fewer: only warnings)."""
    msgs = sorted(alert_msgs, key=lambda m: (m.partition(), m.offset()))
    opened = {}
    for m in msgs:
        a = json.loads(m.value())
        k = (a["case"], a["rule"], a["subject"], a["due"])
        if a["kind"] in ("warning", "breach", "violation"):
            if not (k in opened and opened[k]["kind"] != "warning" and a["kind"] == "warning"):
                opened[k] = a
        elif a["kind"] in ("resolved", "withdrawn"):
            opened.pop(k, None)
        elif a["kind"] == "extended":
            for k2 in [k2 for k2, o in opened.items() if k2[:3] == k[:3] and k2[3] != k[3]
                       and o["kind"] == "warning"]:
                del opened[k2]
    last = {}
    for m in sorted(changelog_msgs, key=lambda m: (m.partition(), m.offset())):
        if m.key().startswith(b"\0clock/"):
            continue  # the processor's clock record of the partition, not a case
        last[m.key().decode()] = m.value()
    ended = {c for c, v in last.items() if v is None or snapshot_closed(v)}
    open_cases = {c for c, v in last.items() if v is not None and not snapshot_closed(v)}
    return {a["id"]: a for k, a in opened.items() if a["case"] not in ended}, open_cases


# ---- metrics ----

METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? '
                         r'(-?[0-9.e+]+|NaN|\+Inf|-Inf)$')


def parse_metrics(text):
    out, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            types[name] = typ
            continue
        if line.startswith("#") or not line:
            continue
        m = METRIC_LINE.match(line)
        assert m, f"not Prometheus text: {line!r}"
        assert m.group(1) in types, f"no TYPE for {m.group(1)}"
        out[line.rsplit(" ", 1)[0]] = float(line.rsplit(" ", 1)[1])
    return out


# ---- tests ----

GARBAGE_ALERTS = [("C-bad-1", b"{not json"),
                  ("C-bad-2", b"\x00\x00\x00\x00\x02\x10avro bytes"),
                  ("C-bad-3", b""),
                  ("C-bad-4", b'{"id":"a","kind":"breach"}'),
                  ("C-bad-5", b"[1,2,3]"),
                  ("C-bad-6", b"{" + b" " * 300000 + b"}")]
GARBAGE_CHANGELOG = [("K-bad-1", b"garbage"), ("K-bad-2", b"CWS\x01\x05\x00ab"),
                     (None, b"CWS\x01")]


def produce_garbage(b):
    h.produce(b.bootstrap, "case-alerts", GARBAGE_ALERTS, lambda k: 2)
    p = h.Producer({"bootstrap.servers": b.bootstrap})
    for k, v in GARBAGE_CHANGELOG:
        p.produce("casewatch-state", key=k, value=v, partition=2)
    assert p.flush(30) == 0


def test_api(tmp):
    b, p, f, msgs = fl.start_all(tmp, {"log.level": "debug"})
    try:
        changelog = h.read_all(b.bootstrap, "casewatch-state", fl.N, idle_s=1)
        want, open_cases = expected_open(msgs, changelog)
        got = f.json("/api/alerts?limit=100000")
        assert got["ready"] is True and got["total"] == got["returned"] == len(got["alerts"])
        ids = {a["id"]: a for a in got["alerts"]}
        extra = set(ids) - set(want)
        assert not extra, f"{len(extra)} open in the feed, not by the topic: " \
                          f"{[ids[i]['kind'] for i in list(extra)[:5]]}"
        missing = [want[i] for i in set(want) - set(ids)]
        assert all(a["kind"] == "warning" for a in missing), \
            f"not shown but open: {[(a['kind'], a['rule']) for a in missing][:5]}"
        assert len(ids) > 100, len(ids)
        # the feed's own cases
        on_topic = [json.loads(m.value()) for m in msgs]
        warn = [a for a in on_topic if a["case"] == "C-feed-warn" and a["kind"] == "warning"]
        assert warn, "the warning of C-feed-warn was not sent"
        assert all(a["id"] not in ids for a in warn), "a warning done in time is still shown"
        assert [a for a in missing if a["case"] == "C-feed-warn"], "C-feed-warn not a snapshot case"
        closed = [a for a in on_topic if a["case"] == "C-feed-closed"]
        assert [a["kind"] for a in closed] == ["breach"], closed
        assert closed[0]["id"] not in ids, "an alert of a closed case is shown"
        open_ = [a for a in got["alerts"] if a["case"] == "C-feed-open"]
        assert [(a["kind"], a["rule"]) for a in open_] == [("breach", "preassessment_14d")], open_
        assert open_[0]["legal_ref"] and open_[0]["message_sv"] and open_[0]["message_en"]
        # filters, sorting, limits
        for q, check in [("municipality=1480", lambda a: a["municipality"] == "1480"),
                         ("severity=critical", lambda a: a["severity"] == "critical"),
                         ("rule=preassessment_14d", lambda a: a["rule"] == "preassessment_14d"),
                         ("unit=" + urllib.parse.quote("Barn och unga Syd"),
                          lambda a: a.get("unit") == "Barn och unga Syd"),
                         ("kind=violation", lambda a: a["kind"] == "violation"),
                         ("case=C-feed-open", lambda a: a["case"] == "C-feed-open")]:
            r = f.json("/api/alerts?limit=100000&" + q)
            assert r["alerts"] and all(check(a) for a in r["alerts"]), q
            assert r["total"] == sum(1 for a in ids.values() if check(a)), q
        r = f.json("/api/alerts?limit=3&sort=due")
        assert r["returned"] == 3 and r["total"] == len(ids)
        assert [a["due"] for a in r["alerts"]] == sorted(a["due"] for a in ids.values())[:3]
        for bad in ("limit=0", "limit=x", "severity=urgent", "kind=nope", "sort=colour"):
            assert f.get("/api/alerts?" + bad)[0] == 400, bad
        # caseload
        cl = f.json("/api/caseload")
        assert cl["today"] == "2026-06-01" and cl["due_soon_days"] == 7
        assert cl["total"]["open_cases"] == len(open_cases), (cl["total"], len(open_cases))
        for part in ("municipalities", "units", "caseworkers"):
            assert sum(g["open_cases"] for g in cl[part]) == cl["total"]["open_cases"], part
            assert sum(g["open_obligations"] for g in cl[part]) == \
                cl["total"]["open_obligations"], part
            for g in cl[part]:
                assert g["overdue"] + g["due_soon"] <= g["open_obligations"], g
        syd = [u for u in cl["units"] if u["unit"] == "Barn och unga Syd"]
        assert syd and syd[0]["open_cases"] == 1 and syd[0]["overdue"] == 1, syd
        norr = [u for u in cl["units"] if u["unit"] == "Barn och unga Norr"]
        # C-feed-warn: the investigation (due 2026-07-13) is open, not overdue
        assert norr and norr[0]["open_cases"] == 1 and norr[0]["overdue"] == 0, norr
        # cases
        c = f.json("/api/cases/C-feed-open")
        assert c["municipality"] == "0180" and c["unit"] == "Barn och unga Syd"
        assert [(o["rule"], o["subject"], o["phase"]) for o in c["obligations"]] == \
            [("preassessment_14d", "report:R1", "breached")], c
        assert [a["id"] for a in c["alerts"]] == [open_[0]["id"]]
        c = f.json("/api/cases/C-feed-warn")
        assert [o["rule"] for o in c["obligations"]] == ["investigation_4_months"]
        assert c["alerts"] == []
        c = f.json("/api/cases/C-feed-closed")
        assert c["ended"] is True and c["alerts"] == [] and c["obligations"] == []
        scn = next(a for a in got["alerts"] if "/" in a["case"])
        c = f.json("/api/cases/" + urllib.parse.quote(scn["case"], safe=""))
        assert scn["id"] in [a["id"] for a in c["alerts"]]
        assert f.get("/api/cases/no-such-case")[0] == 404
        assert f.get("/api/cases/")[0] == 404
        # health
        assert f.get("/healthz")[0] == 200 and f.get("/readyz")[0] == 200
        # SSE: a new alert arrives on the stream
        s = fl.Stream(f)
        assert s.status == 200
        m = parse_metrics(f.get("/metrics")[1].decode())
        assert m["casewatch_feed_sse_clients"] == 1
        h.produce(b.bootstrap, "case-events", fl.live_case(), lambda k: 2)
        evs = s.events(lambda evs: any(e["alert"]["case"] == "C-feed-live" for e in evs))
        live = [e for e in evs if e["alert"]["case"] == "C-feed-live"]
        assert live and live[0]["open"] is True and live[0]["alert"]["kind"] == "breach", evs
        assert s.comments >= 1
        s.close()
        assert h.wait_for(lambda: any(a["case"] == "C-feed-live"
                                      for a in f.json("/api/alerts")["alerts"]), 10)
        # bad records on both topics: counted, nothing else changes
        before = f.json("/api/alerts?limit=100000")["total"]
        produce_garbage(b)
        def bad():
            m = parse_metrics(f.get("/metrics")[1].decode())
            return {k: v for k, v in m.items() if k.startswith("casewatch_feed_bad_records") and v}
        want_bad = {'casewatch_feed_bad_records_total{topic="alert",reason="bad_json"}': 1,
                    'casewatch_feed_bad_records_total{topic="alert",reason="bad_encoding"}': 2,
                    'casewatch_feed_bad_records_total{topic="alert",reason="empty"}': 1,
                    'casewatch_feed_bad_records_total{topic="alert",reason="bad_field"}': 1,
                    'casewatch_feed_bad_records_total{topic="alert",reason="too_large"}': 1,
                    'casewatch_feed_bad_records_total{topic="changelog",reason="bad_snapshot"}': 2,
                    'casewatch_feed_bad_records_total{topic="changelog",reason="bad_key"}': 1}
        assert h.wait_for(lambda: bad() == want_bad, 20), bad()
        assert f.alive() and f.json("/api/alerts")["total"] == before
        # metrics
        m = parse_metrics(f.get("/metrics")[1].decode())
        assert m["casewatch_feed_ready"] == 1
        assert m["casewatch_feed_open_alerts"] == before
        assert m["casewatch_feed_open_cases"] == len(open_cases) + 1  # + C-feed-live
        assert m['casewatch_feed_alerts_consumed_total{kind="breach"}'] > 0
        assert m['casewatch_feed_http_requests_total{code="200"}'] > 10
        assert m['casewatch_feed_http_requests_total{code="404"}'] >= 2
        assert m['casewatch_feed_http_requests_total{code="400"}'] >= 5
        assert m["casewatch_feed_sse_events_total"] >= 1
        # restart: the same picture, rebuilt from the topics
        now = {a["id"] for a in f.json("/api/alerts?limit=100000")["alerts"]}
        cl_now = f.json("/api/caseload")
        assert f.stop() == 0, f.logtext()[-2000:]
        f2 = fl.Feed(b, tmp, "feed2")
        f2.wait_ready()
        assert {a["id"] for a in f2.json("/api/alerts?limit=100000")["alerts"]} == now
        assert f2.json("/api/caseload") == cl_now
        assert f2.stop() == 0
        # no personal data in the logs (debug level)
        secrets = {"C-feed-warn", "C-feed-closed", "C-feed-open", "C-feed-live", "C-bad-1",
                   "K-bad-1"}
        for st in tp_streams():
            for line in st:
                ev = json.loads(line)
                secrets.update({ev["subject"], ev["id"]})
                for k, v in ev["data"].items():
                    if isinstance(v, str) and len(v) >= 5 and k not in CLOSED_SETS:
                        secrets.add(v)
        for line in fl.own_cases():
            ev = json.loads(line)
            secrets.update(v for k, v in ev["data"].items() if isinstance(v, str) and len(v) >= 5
                           and k != "municipality")
        log = f.logtext() + f2.logtext()
        assert "DEBUG feed: GET /api/cases/{id} 200" in log, "debug logging did not run"
        leaks = sorted(x for x in secrets if x in log)
        assert not leaks, f"{len(leaks)} input values in the feed's log, e.g. {leaks[:5]}"
        assert p.stop() == 0
        print(f"api: {len(ids)} open alerts ({len(missing)} warnings retired by snapshots), "
              f"{len(open_cases)} open cases, SSE, bad records, restart, privacy: ok")
    finally:
        b.stop()


# fields whose values are words of a closed set (EVENTS.md), not data about anyone
CLOSED_SETS = {"municipality", "reporter", "basis", "setting", "outcome", "to_municipality"}


def tp_streams():
    return fl.tp.scenario_streams(2)


def raw_request(feed, data, read=65536):
    s = socket.create_connection((feed.host, feed.port), timeout=10)
    try:
        s.sendall(data)
        out = b""
        while len(out) < read:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out:
                break
        return out
    finally:
        s.close()


def status_of(resp):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", resp)
    return int(m.group(1)) if m else None


def test_bad_requests(tmp):
    """Unknown paths, methods, tokens, huge headers, garbage: each refused
    with its status, and the feed keeps serving. Also: not ready while a
    topic is missing, the stream client limit, slow stream clients dropped."""
    fl.tp.clock_file(tmp, fl.CLOCK)
    b = h.Broker(fl.TOPICS)
    try:
        token = "s3cret-feed-token"
        auth = {"Authorization": "Bearer " + token}
        # no broker behind this address: never ready, and serving all the same
        f = fl.Feed(b, tmp, "feed", {"feed.token": token, "feed.sse_max_clients": "2",
                                     "kafka.bootstrap.servers": f"127.0.0.1:{fl.free_port()}"})
        time.sleep(1.5)
        assert f.get("/healthz")[0] == 200
        assert f.get("/readyz")[0] == 503, "ready without a broker"
        st, body, hd = f.get("/api/alerts")
        assert st == 401 and hd.get("WWW-Authenticate", "").startswith("Bearer"), (st, hd)
        assert f.get("/api/alerts", {"Authorization": "Bearer wrong"})[0] == 401
        assert f.get("/api/alerts", {"Authorization": "Bearer " + token + "x"})[0] == 401
        assert f.get("/api/alerts", {"Authorization": "Basic " + token})[0] == 401
        assert f.get("/metrics")[0] == 401
        assert f.get("/api/stream")[0] == 401
        assert f.get("/api/alerts", auth)[0] == 200
        st, body, hd = f.get("/")
        assert st == 200 and hd["Content-Type"].startswith("text/html") and b"casewatch" in body
        assert "default-src 'self'" in hd.get("Content-Security-Policy", "")
        assert f.get("/app.js")[0] == 200 and f.get("/app.css")[0] == 200
        assert f.get("/nope")[0] == 404
        assert f.get("/api/nope", auth)[0] == 404
        assert f.get("/../etc/passwd")[0] in (400, 404)
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            st, _, hd = f.get("/api/alerts", auth, method=method)
            assert st == 405 and hd.get("Allow") == "GET, HEAD", (method, st)
        st = status_of(raw_request(f, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"))
        assert st == 405, st
        assert f.get("/healthz", method="HEAD")[0] == 200
        huge = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n"
        st = status_of(raw_request(f, huge))
        assert st == 431, st
        many = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + \
            b"".join(b"X-H%d: v\r\n" % i for i in range(5000)) + b"\r\n"
        assert status_of(raw_request(f, many)) == 431
        long_url = b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        assert status_of(raw_request(f, long_url)) == 414
        for garbage in (b"GARBAGE\r\n\r\n", b"\x00\xff\x16\x03\x01\r\n\r\n",
                        b"GET / HTTP/9.9\r\n\r\n", b"GET /healthz HTTP/1.1\r\n" + b"X" * 10):
            resp = raw_request(f, garbage)
            assert status_of(resp) in (None, 400, 404, 405, 505), resp[:80]
        # stream client limit
        s1, s2 = fl.Stream(f, auth), fl.Stream(f, auth)
        s3 = fl.Stream(f, auth)
        assert (s1.status, s2.status, s3.status) == (200, 200, 503)
        for s in (s1, s2, s3):
            s.close()
        assert f.alive() and f.get("/healthz")[0] == 200
        m = parse_metrics(f.get("/metrics", auth)[1].decode())
        assert m['casewatch_feed_http_requests_total{code="401"}'] >= 6
        assert m['casewatch_feed_http_requests_total{code="405"}'] >= 5
        assert m['casewatch_feed_http_requests_total{code="404"}'] >= 2
        assert m['casewatch_feed_http_requests_total{code="503"}'] >= 2
        assert f.stop() == 0, f.logtext()[-2000:]
        assert token not in f.logtext()

        # a slow stream client (never reads) is dropped; the feed goes on
        g = fl.Feed(b, tmp, "feed-slow", {"feed.sse_queue": "2", "feed.idle_timeout": "2s"})
        g.wait_ready()
        slow = socket.socket()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.connect((g.host, g.port))
        slow.sendall(b"GET /api/stream HTTP/1.1\r\nHost: x\r\n\r\n")
        assert h.wait_for(lambda: parse_metrics(g.get("/metrics")[1].decode())
                          ["casewatch_feed_sse_clients"] == 1, 10)
        pad = "x" * 1000  # the embedded broker keeps ~5 MiB per partition: 3 x 2.2 MB
        alerts = [(f"C-slow-{i}", json.dumps({
            "id": f"{i:032x}", "kind": "breach", "rule": "preassessment_14d",
            "severity": "high", "case": f"C-slow-{i}", "subject": "report:R1",
            "municipality": "0180", "start": "2026-01-01", "due": "2026-01-15",
            "at": "2026-01-16T00:00:00+01:00", "days_overdue": 1, "legal_ref": [],
            "title_sv": "t", "title_en": "t", "message_sv": pad, "message_en": pad,
            "events": ["e1"]})) for i in range(3000)]
        h.produce(b.bootstrap, "case-alerts", alerts, lambda k: int(k.rsplit("-", 1)[1]) % 3)
        def dropped():
            m = parse_metrics(g.get("/metrics")[1].decode())
            return m["casewatch_feed_sse_clients_dropped_total"] >= 1 and \
                m["casewatch_feed_sse_clients"] == 0
        assert h.wait_for(dropped, 60), parse_metrics(g.get("/metrics")[1].decode())
        slow.close()
        assert h.wait_for(lambda: g.json("/api/alerts")["total"] == 3000, 30), \
            g.json("/api/alerts")["total"]
        assert g.alive() and g.stop() == 0
        print("bad requests: 401, 404, 405, 431, garbage, client limit, slow client: ok")
    finally:
        b.stop()


# ---- the browser ----

class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe
    (--remote-debugging-pipe: NUL-separated JSON on fds 3 and 4)."""

    def __init__(self, tmp):
        exe = shutil.which("chromium") or "/usr/bin/chromium"
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()

        def fds():
            a, b = os.dup(to_r), os.dup(from_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--window-size=1400,900", "--hide-scrollbars", "--no-first-run",
             f"--user-data-dir={tmp}/chromium", "about:blank"],
            preexec_fn=fds, close_fds=False, stdout=subprocess.DEVNULL,
            stderr=open(os.path.join(tmp, "chromium.log"), "w"))
        h._children.append(self.proc)
        os.close(to_r)
        os.close(from_w)
        self.buf, self.next_id, self.session = b"", 0, None
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": False})

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
        return h.wait_for(lambda: self.eval(expr), timeout_s, 0.2)

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
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
    """Real Chromium on the dashboard: the scenario's open alerts are in the
    table, the caseload chart is drawn, a new alert comes by SSE into the
    live list and the table; English on request. Screenshots in the build
    directory (tests/feed/feed_dashboard*.png)."""
    if not (shutil.which("chromium") or os.path.exists("/usr/bin/chromium")):
        print("chromium is not installed (deploy/local/setup.sh installs it): skipped")
        sys.exit(77)
    b, p, f, _ = fl.start_all(tmp)
    out_dir = os.path.join(fl.BUILD, "tests", "feed")
    try:
        api = f.json("/api/alerts?limit=100000")
        target = next(a for a in api["alerts"] if a["case"] == "C-feed-open")
        c = Chromium(tmp)
        try:
            c.call("Page.navigate", {"url": f.url + "/"})
            assert c.wait("document.querySelector('#state') && "
                          "document.querySelector('#state').dataset.state === 'live'"), \
                c.eval("document.body.innerText.slice(0, 500)")
            n = api["total"]
            assert c.wait(f"document.querySelectorAll('tr.alert-row').length === {n}"), \
                c.eval("document.querySelectorAll('tr.alert-row').length")
            row = c.eval(f"(() => {{ const r = document.querySelector("
                         f"'tr.alert-row[data-id=\"{target['id']}\"]'); "
                         f"return r ? r.innerText : null; }})()")
            assert row and "Frist överskriden" in row and "C-feed-open" in row, row
            assert target["message_sv"][:40] in row, row
            assert "SoL" in row, row  # the legal reference
            assert c.wait("document.querySelectorAll('#caseload-chart g.unit-bar').length > 3")
            assert c.eval("[...document.querySelectorAll('#caseload-chart g.unit-bar')]"
                          ".some(g => g.dataset.unit === 'Barn och unga Syd')")
            # filter by severity: only critical rows stay
            crit = sum(1 for a in api["alerts"] if a["severity"] == "critical")
            c.eval("(() => { const s = document.getElementById('f-severity'); s.value = "
                   "'critical'; s.dispatchEvent(new Event('change')); })()")
            assert c.wait(f"document.querySelectorAll('tr.alert-row').length === {crit}")
            c.eval("(() => { const s = document.getElementById('f-severity'); s.value = ''; "
                   "s.dispatchEvent(new Event('change')); })()")
            # sort by due date (click the header)
            c.eval("document.querySelector('th[data-sort=\"due\"]').click()")
            first_due = c.eval("document.querySelector('tr.alert-row td:nth-child(6)').innerText")
            assert first_due == min(a["due"] for a in api["alerts"]), first_due
            c.screenshot(os.path.join(out_dir, "feed_dashboard.png"))
            # a new alert by SSE
            h.produce(b.bootstrap, "case-events", fl.live_case(), lambda k: 2)
            assert c.wait("[...document.querySelectorAll('li.live-item')].some("
                          "li => li.innerText.includes('C-feed-live'))", 60), \
                c.eval("document.getElementById('live').innerText")
            assert c.wait(f"document.querySelectorAll('tr.alert-row').length === {n + 1}")
            assert c.eval("[...document.querySelectorAll('tr.alert-row')].some("
                          "r => r.innerText.includes('C-feed-live'))")
            c.screenshot(os.path.join(out_dir, "feed_dashboard_live.png"))
            # English
            c.eval("document.getElementById('lang').click()")
            assert c.wait("document.querySelector('h2').innerText === 'Open alerts'")
            assert c.eval("document.querySelector('tbody').innerText.includes('Deadline missed')")
            c.screenshot(os.path.join(out_dir, "feed_dashboard_en.png"))
        finally:
            c.close()
        assert f.stop() == 0 and p.stop() == 0
        print(f"browser: {n} rows, chart, filter, sort, SSE row, English; screenshots in {out_dir}")
    finally:
        b.stop()


if __name__ == "__main__":
    name = sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        globals()["test_" + name](tmp)
