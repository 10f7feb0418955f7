"""Shared set-up of the feed tests: an embedded broker, the real processor
on the scenario set (plus a few cases made for the feed), and
casewatch-feed itself, all on loopback; helpers for HTTP and SSE."""
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "kafka"))
BUILD = os.path.abspath(sys.argv[1])
os.environ["CW_BUILD"] = BUILD
import harness as h  # noqa: E402
import test_processor as tp  # noqa: E402  (scenario_streams, clock_file)

FEED = os.path.join(BUILD, "consumers/feed/casewatch-feed")
CLOCK = "2026-06-01T00:00:00+02:00"  # the pinned wall clock of processor and feed
N = 3  # partitions: scenarios on 0 and 1, the feed's own cases on 2
TOPICS = {"case-events": N, "case-alerts": N, "casewatch-state": N, "case-events-dlq": 1,
          "case-alert-actions": 2}


def own_cases():
    """Partition 2's stream, with its own stream time (see test_feed.py)."""
    e = h.event
    return [
        e(1, "2026-03-02T09:00:00+01:00", "report.received", "C-feed-warn", report_id="R1",
          child="B-feed-1", unit="Barn och unga Norr", caseworker="hl-17"),
        e(2, "2026-03-02T10:00:00+01:00", "protection.assessed", "C-feed-warn", report_id="R1",
          unit="Barn och unga Norr", caseworker="hl-17"),
        e(1, "2026-03-02T09:30:00+01:00", "report.received", "C-feed-closed", report_id="R1",
          child="B-feed-2", unit="Barn och unga Norr"),
        e(1, "2026-03-02T11:00:00+01:00", "report.received", "C-feed-open", report_id="R1",
          child="B-feed-3", unit="Barn och unga Syd", caseworker="hl-23"),
        e(2, "2026-03-02T11:30:00+01:00", "protection.assessed", "C-feed-open", report_id="R1",
          unit="Barn och unga Syd", caseworker="hl-23"),
        e(2, "2026-03-04T10:00:00+01:00", "case.closed", "C-feed-closed"),
        e(3, "2026-03-13T10:00:00+01:00", "investigation.opened", "C-feed-warn",
          investigation_id="U1", report_id="R1", unit="Barn och unga Norr", caseworker="hl-17"),
    ]


def live_case(name="C-feed-live", unit="Barn och unga Syd"):
    return [h.event(1, "2026-05-30T09:00:00+02:00", "report.received", name, report_id="R1",
                    child="B-feed-9", unit=unit, caseworker="hl-23")]


class Feed:
    """casewatch-feed on a port of its own choosing (feed.listen port 0).
    With cafile (the feed configured for TLS), requests go over https and
    verify the feed's certificate against it, host name (IP) included."""

    def __init__(self, broker, tmp, name="feed", extra=None, cafile=None):
        self.log = os.path.join(tmp, f"{name}.log")
        self.conf = os.path.join(tmp, f"{name}.conf")
        settings = {"kafka.bootstrap.servers": broker.bootstrap,
                    "kafka.fetch.wait.max.ms": "20",
                    "feed.listen": "127.0.0.1:0",
                    "feed.clock_file": os.path.join(tmp, "clock"),
                    "feed.sse_keepalive": "1s"}
        settings.update(extra or {})
        with open(self.conf, "w") as f:
            for k, v in settings.items():
                f.write(f"{k} = {v}\n")
        os.chmod(self.conf, 0o600)
        self.proc = subprocess.Popen([FEED, "--config", self.conf], stderr=open(self.log, "w"))
        h._children.append(self.proc)
        assert h.wait_for(lambda: "listening on" in self.logtext() or self.proc.poll() is not None,
                          20), self.logtext()
        m = re.search(r"listening on (https?)://([0-9.]+):(\d+)/", self.logtext())
        assert m, self.logtext()
        self.scheme, self.host, self.port = m.group(1), m.group(2), int(m.group(3))
        self.url = f"{self.scheme}://{self.host}:{self.port}"
        self.ctx = ssl.create_default_context(cafile=cafile) if cafile else None

    def logtext(self):
        return open(self.log).read()

    def wait_ready(self, timeout_s=60):
        assert h.wait_for(lambda: self.get("/readyz")[0] == 200, timeout_s), self.logtext()[-2000:]

    def get(self, path, headers=None, method="GET", data=None):
        req = urllib.request.Request(self.url + path, headers=headers or {}, method=method,
                                     data=data)
        try:
            with urllib.request.urlopen(req, timeout=10, context=self.ctx) as r:
                return r.status, r.read(), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def json(self, path, headers=None):
        status, body, _ = self.get(path, headers)
        assert status == 200, (path, status, body[:300])
        return json.loads(body)

    def act(self, alert_id, body, headers=None, content_type="application/json"):
        """POST an action; (status, parsed JSON or raw body)."""
        hd = dict(headers or {})
        if content_type:
            hd["Content-Type"] = content_type
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        st, raw, _ = self.get(f"/api/alerts/{alert_id}/actions", hd, "POST", data)
        try:
            return st, json.loads(raw)
        except ValueError:
            return st, raw

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)
        return self.proc.returncode


class Stream:
    """A raw SSE reader of /api/stream."""

    def __init__(self, feed, headers=None):
        if feed.ctx:
            self.conn = http.client.HTTPSConnection(feed.host, feed.port, timeout=30,
                                                    context=feed.ctx)
        else:
            self.conn = http.client.HTTPConnection(feed.host, feed.port, timeout=30)
        self.conn.request("GET", "/api/stream", headers=headers or {})
        self.resp = self.conn.getresponse()
        self.status = self.resp.status

    def events(self, until, timeout_s=60):
        """Reads events (the parsed data of each) until until(events) is true."""
        got, data, comments = [], [], 0
        start = time.time()
        while time.time() - start < timeout_s:
            line = self.resp.fp.readline()
            if not line:
                break
            line = line.decode().rstrip("\n")
            if line.startswith(":"):
                comments += 1
            elif line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and data:
                got.append(json.loads("\n".join(data)))
                data = []
                if until(got):
                    break
        self.comments = comments
        return got

    def close(self):
        self.conn.close()


def start_all(tmp, feed_extra=None, with_feed=True):
    """Broker; the scenario set and the feed's own cases produced; the
    processor run to the end; then (optionally) the feed, ready."""
    tp.clock_file(tmp, CLOCK)
    b = h.Broker(TOPICS)
    streams = tp.scenario_streams(2)
    for part, st in enumerate(streams):
        h.produce(b.bootstrap, "case-events", st, lambda k, p=part: p)
    h.produce(b.bootstrap, "case-events", own_cases(), lambda k: 2)
    p = h.Processor(b, tmp, "processor", {"processor.clock_file": os.path.join(tmp, "clock")})
    events = sum(map(len, streams)) + len(own_cases())
    assert h.wait_for(lambda: re.search(r"consumed=(\d+)", p.logtext()) and
                      int(re.findall(r"consumed=(\d+)", p.logtext())[-1]) >= events, 120), \
        p.logtext()[-2000:]
    # the pinned clock fires everything due: wait until the alert topic is quiet
    msgs = h.read_all(b.bootstrap, "case-alerts", N, idle_s=2)
    f = Feed(b, tmp, extra=feed_extra) if with_feed else None
    if f:
        f.wait_ready()
    return b, p, f, msgs


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port
