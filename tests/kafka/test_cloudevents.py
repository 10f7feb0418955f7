#!/usr/bin/env python3
"""CloudEvents content modes on Kafka (issue 17 item 3, EVENTS.md §1 v2),
with the CloudEvents SDK's own Kafka bindings (PyPI cloudevents 2.2.0, from
the test venv: run with ${CW_VENV_PYTHON}). The scenario set and a
generated caseload, each event sent in binary mode (ce_* headers, the data as
the value) or in structured mode, give exactly casewatch-replay's alerts;
bad binary messages land in the DLQ with their reasons.

Usage: test_cloudevents.py BUILD_DIR binary|structured|dlq|produce_binary"""
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
os.environ["CW_BUILD"] = sys.argv[1]
import harness as h  # noqa: E402
import test_processor as tp  # noqa: E402  (its scenario streams, caseload, clock)

from cloudevents.core.bindings import kafka as ce_kafka  # noqa: E402
from cloudevents.core.formats.json import JSONFormat  # noqa: E402
from cloudevents.core.v1.event import CloudEvent  # noqa: E402
from cloudevents.v1 import kafka as ce_kafka_v1  # noqa: E402
from cloudevents.v1.http import CloudEvent as CloudEventV1  # noqa: E402
from dateutil.parser import isoparse  # noqa: E402

N = 4
ATTRS = ("specversion", "id", "source", "type", "time", "subject")


def sdk_event(line):
    """A JSON-lines event as the SDK's CloudEvent (time as a datetime, as the
    SDK wants it; the binding writes it back in RFC 3339)."""
    o = json.loads(line)
    attrs = {a: o[a] for a in ATTRS}
    attrs["time"] = isoparse(o["time"])
    attrs["datacontenttype"] = "application/json"
    return CloudEvent(attributes=attrs, data=o["data"])


def by_subject(e):
    return e.get_subject()


def message(line, mode, legacy=False):
    """(key, value, headers) of one event in mode, made by the SDK binding:
    cloudevents.core.bindings.kafka, or (legacy) the 1.x API
    cloudevents.v1.kafka."""
    if legacy:
        o = json.loads(line)
        ev = CloudEventV1({a: o[a] for a in ATTRS}, o["data"])
        ev["datacontenttype"] = "application/json"
        conv = ce_kafka_v1.to_binary if mode == "binary" else ce_kafka_v1.to_structured
        m = conv(ev, key_mapper=lambda e: e["subject"])
    else:
        conv = ce_kafka.to_binary if mode == "binary" else ce_kafka.to_structured
        m = conv(sdk_event(line), JSONFormat(), key_mapper=by_subject)
    headers = [(k, v) for k, v in m.headers.items()]
    names = {k for k, _ in headers}
    if mode == "binary":
        assert {"ce_id", "ce_specversion", "ce_subject"} <= names, names
        assert b'"specversion"' not in m.value, m.value[:200]
    else:
        # The 1.x API labels a structured message with the data's content
        # type (application/json), not application/cloudevents+json; with no
        # ce_specversion it is still read as structured mode.
        want = b"application/json" if legacy else b"application/cloudevents+json"
        assert dict(headers)["content-type"].startswith(want), headers
        assert not any(n.startswith("ce_") for n in names), names
    return (m.key, m.value, headers)


def streams():
    """Per partition: the scenario set (each scenario in one partition) then
    a generated caseload (partitioned by case id), as JSON lines."""
    out = tp.scenario_streams(N)
    part = h.partition_of(N)
    for line in tp.generated(300, seed=17):
        out[part(json.loads(line)["subject"])].append(line)
    return out


def replay(lines):
    """casewatch-replay's alerts and rejection reasons for one partition's lines."""
    import subprocess
    with tempfile.TemporaryDirectory() as d:
        src, dlq = os.path.join(d, "in.jsonl"), os.path.join(d, "dlq.jsonl")
        with open(src, "w") as f:
            f.write("\n".join(lines) + "\n")
        out = subprocess.run([h.REPLAY, "--dlq", dlq, "--until", tp.CLOCK, src],
                             capture_output=True, check=True).stdout
        reasons = [json.loads(l)["reason"] for l in open(dlq)]
    return [json.loads(l) for l in out.splitlines()], reasons


def expected_of(sts):
    alerts, reasons = [], []
    for st in sts:
        if st:
            a, r = replay(st)
            alerts += a
            reasons += r
    return alerts, sorted(reasons)


def run_mode(tmp, mode):
    sts = streams()
    expected, rejected = expected_of(sts)
    b = h.Broker(tp.TOPICS(N))
    try:
        for part, st in enumerate(sts):
            # every other event through the SDK's 1.x API, the rest through its core API
            msgs = [message(line, mode, legacy=i % 2 == 1) for i, line in enumerate(st)]
            h.produce(b.bootstrap, "case-events", msgs, lambda k, p=part: p)
        p = h.Processor(b, tmp, "p1", {"processor.clock_file": tp.clock_file(tmp, tp.CLOCK)})
        got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", N, want=len(expected)))
        dlq = h.read_all(b.bootstrap, "case-events-dlq", 1, idle_s=0.5)
        assert p.stop() == 0, p.logtext()[-2000:]
    finally:
        b.stop()
    tp.expect_same(expected, got, mode)
    assert len(got) == len(expected), f"{len(got)} alerts for {len(expected)}"
    # the scenarios' deliberately wrong steps, rejected as replay rejects them
    reasons = sorted(dict(m.headers())["cw_reason"].decode() for m in dlq)
    assert reasons == rejected, (reasons, rejected)
    assert not any(r in ("missing_attribute", "bad_content_type", "header_mismatch")
                   for r in reasons), reasons
    print(f"{mode}: {sum(map(len, sts))} events via the cloudevents SDK's Kafka binding, "
          f"{len(expected)} alerts, all equal to casewatch-replay's; {len(rejected)} rejected "
          f"alike ({', '.join(sorted(set(rejected)))})")


def test_binary(tmp):
    run_mode(tmp, "binary")


def test_structured(tmp):
    run_mode(tmp, "structured")


def bad_messages(case):
    """Binary (and one structured) messages that must be dead-lettered, each
    with the reason it must get. Values are unique (data.n), so each DLQ
    record can be matched to its message."""
    good = h.event(1, "2025-05-02T10:00:00+02:00", "report.received", case, report_id="R1",
                   child="B1")
    out = []

    def add(reason, key=case.encode(), drop=(), data=None, value=None, headers=None,
            structured=False):
        o = json.loads(good)
        o["data"]["n"] = len(out)
        if data:
            o["data"].update(data)
        if structured:
            k, v, hd = message(json.dumps(o), "structured")
        else:
            k, v, hd = message(json.dumps(o), "binary")
        hd = [(n, x) for n, x in hd if n not in drop] + list(headers or [])
        out.append((reason, (key, v if value is None else value, hd)))

    add("missing_attribute", drop=("ce_id",))
    add("missing_attribute", drop=("ce_specversion", "ce_id"))  # read as structured: says so
    add("missing_attribute", drop=("ce_subject",))  # the key does not stand in for the subject
    add("missing_attribute", drop=("ce_time",))
    add("bad_content_type", drop=("content-type",), headers=[("content-type", b"text/plain")])
    add("bad_content_type", drop=("content-type",),
        headers=[("content-type", b"application/avro")])
    add("bad_json", value=b'{"municipality": "0180", ')
    add("missing_data", value=b"")
    add("missing_field", data={"report_id": None})
    add("bad_field", data={"violence": "yes"})
    add("bad_attribute", headers=[("ce_id", b"another-id")])  # repeated header
    add("bad_specversion", drop=("ce_specversion",), headers=[("ce_specversion", b"0.3")])
    add("unknown_type", drop=("ce_type",), headers=[("ce_type", b"se.casewatch.report.lost")])
    add("bad_time", drop=("ce_time",), headers=[("ce_time", b"2025-05-02 10:00")])
    add("key_mismatch", key=b"another-case")
    add("header_mismatch", structured=True, headers=[("ce_subject", b"another-case")])
    add("header_mismatch", structured=True, headers=[("ce_time", b"2025-05-02T10:00:01Z")])
    return out


def test_dlq(tmp):
    """Bad binary messages among a binary caseload: each in the DLQ with its
    reason and original value; the caseload gives replay's alerts."""
    lines = tp.generated(150, seed=23)
    expected = h.replay_per_partition(lines, N, tp.CLOCK)
    part = h.partition_of(N)
    bad = bad_messages("C-bad")
    b = h.Broker(tp.TOPICS(N))
    try:
        msgs = []
        for i, line in enumerate(lines):
            msgs.append(message(line, "binary"))
            if i % 50 == 0:
                msgs += [m for _, m in bad]
        h.produce(b.bootstrap, "case-events", msgs,
                  lambda k: part(k.decode() if isinstance(k, bytes) else k))
        n_bad = (len(msgs) - len(lines))
        p = h.Processor(b, tmp, "p1", {"processor.clock_file": tp.clock_file(tmp, tp.CLOCK)})
        got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", N, want=len(expected)))
        dlq = h.read_all(b.bootstrap, "case-events-dlq", 1, want=n_bad)
        time.sleep(1.5)  # one more counter report
        assert p.stop() == 0, p.logtext()[-2000:]
    finally:
        b.stop()
    tp.expect_same(expected, got, "binary with bad messages")
    want = {}
    for reason, (_, value, _) in bad:
        want[value] = reason
    assert len(want) == len(bad), "bad messages must have unique values"
    assert len(dlq) == n_bad, f"{len(dlq)} in the DLQ for {n_bad} bad messages"
    seen = {}
    for m in dlq:
        hd = dict(m.headers())
        reason, detail = hd["cw_reason"].decode(), hd["cw_detail"].decode()
        assert want.get(m.value()) == reason, (want.get(m.value()), reason, detail, m.value())
        seen.setdefault(reason, set()).add(detail)
    assert set(seen) == set(want.values()), set(want.values()) - set(seen)
    # the details are precise: they name the header
    assert {"ce_id: missing", "ce_subject: missing", "ce_time: missing"} < seen[
        "missing_attribute"], seen
    assert any("without ce_specversion" in d for d in seen["missing_attribute"]), seen
    assert seen["bad_attribute"] == {"ce_id: repeated header"}, seen
    assert all(d.startswith("ce_time:") for d in seen["bad_time"]), seen
    assert seen["header_mismatch"] == {"ce_subject: disagrees with the event's subject",
                                       "ce_time: disagrees with the event's time"}, seen
    last = [l for l in p.logtext().splitlines() if "consumed=" in l][-1]
    assert f"rejected={n_bad} " in last, last
    print(f"dlq: {len(lines)} binary events, {n_bad} bad messages of {len(set(want.values()))} "
          f"reasons all dead-lettered as expected: {sorted(set(want.values()))}")


def test_produce_binary(tmp):
    """casewatch-produce --binary: the SDK's Kafka binding reads every message
    it wrote as the event of the line it came from, and the processor turns
    them into exactly casewatch-replay's alerts."""
    import subprocess
    lines = [l for st in streams() for l in st]
    src = os.path.join(tmp, "in.jsonl")
    with open(src, "w") as f:
        f.write("\n".join(lines) + "\n")
    expected, rejected = expected_of([lines])
    produce = os.path.join(sys.argv[1], "producers/produce/casewatch-produce")
    b = h.Broker(tp.TOPICS(1))
    try:
        out = subprocess.run([produce, "--bootstrap", b.bootstrap, "--topic", "case-events",
                              "--binary", "--quiet", src], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        sent = h.read_all(b.bootstrap, "case-events", 1, want=len(lines), idle_s=0.5)
        p = h.Processor(b, tmp, "p1", {"processor.clock_file": tp.clock_file(tmp, tp.CLOCK)})
        got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", 1, want=len(expected)))
        dlq = h.read_all(b.bootstrap, "case-events-dlq", 1, idle_s=0.5)
        assert p.stop() == 0, p.logtext()[-2000:]
    finally:
        b.stop()
    assert len(sent) == len(lines), (len(sent), len(lines))
    for m, line in zip(sent, lines):
        o = json.loads(line)
        km = ce_kafka.KafkaMessage(headers=dict(m.headers()), key=m.key(), value=m.value())
        assert b'"specversion"' not in m.value(), m.value()[:200]
        e = ce_kafka.from_kafka(km, JSONFormat())
        assert e.get_id() == o["id"] and e.get_subject() == o["subject"], (e, o)
        assert e.get_type() == o["type"] and e.get_source() == o["source"], (e, o)
        assert e.get_time() == isoparse(o["time"]), (e.get_time(), o["time"])
        assert m.key().decode() == o["subject"]
    tp.expect_same(expected, got, "produce --binary")
    assert len(got) == len(expected)
    assert sorted(dict(m.headers())["cw_reason"].decode() for m in dlq) == rejected
    print(f"produce --binary: {len(lines)} events read back by the SDK's from_kafka as the "
          f"lines' events; {len(expected)} alerts equal to casewatch-replay's")


if __name__ == "__main__":
    name = sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.time()
        globals()["test_" + name](tmp)
        print(f"{name}: {time.time() - t0:.1f} s")
    print("1 passed, 0 failed")
