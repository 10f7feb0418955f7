#!/usr/bin/python3
"""Writes the hostile-input corpus: one directory per rejection reason code,
each sample one message value (raw bytes) in <code>/<name>.msg, with the
Kafka key in <name>.key where it matters and its headers in <name>.headers
(a JSON object, name: value) where it has any (CloudEvents binary mode). setup.jsonl holds the valid
events that give the case-state samples a case to be wrong about.

The files are committed; this script documents how they were made (run it
again after a deliberate change of a sample)."""
import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
CASE = "corpus-case-1"


def ev(i, typ, time, **data):
    d = {"municipality": "1880", "unit": "Utredning"}
    d.update(data)
    return {"specversion": "1.0", "id": f"corpus-{i}", "source": "urn:kommun:1880:ifo",
            "type": "se.casewatch." + typ, "time": time, "subject": CASE, "data": d}


SETUP = [
    ev("s1", "report.received", "2025-03-03T10:00:00+01:00", report_id="R1", child="B-c0", violence=False),
    ev("s2", "protection.assessed", "2025-03-03T11:00:00+01:00", report_id="R1"),
    ev("s3", "investigation.opened", "2025-03-05T10:00:00+01:00", report_id="R1", investigation_id="U1"),
    ev("s4", "child.heard", "2025-03-20T10:00:00+01:00", investigation_id="U1"),
    ev("s5", "investigation.concluded", "2025-04-10T10:00:00+02:00", investigation_id="U1", outcome="measures"),
    ev("s6", "placement.started", "2025-04-14T10:00:00+02:00", placement_id="P1", basis="sol", setting="hvb"),
    ev("s7", "placement.ended", "2025-04-30T10:00:00+02:00", placement_id="P1", reason="care_ended"),
]


def j(o):
    return json.dumps(o, ensure_ascii=False).encode()


def good(i, typ="child.heard", **data):
    data = data or {"investigation_id": "U1"}
    return ev(i, typ, "2025-05-02T10:00:00+02:00", **data)


def without(o, *path):
    o = json.loads(json.dumps(o))
    cur = o
    for p in path[:-1]:
        cur = cur[p]
    del cur[path[-1]]
    return o


def with_(o, value, *path):
    o = json.loads(json.dumps(o))
    cur = o
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value
    return o


def binary(o, drop=(), **headers):
    """o in CloudEvents binary content mode: (value, key, headers) with the
    attributes as ce_* headers (less those in drop) and the data as the value."""
    h = {"ce_" + a: o[a] for a in ("specversion", "id", "source", "type", "time", "subject")
         if a not in drop}
    h["content-type"] = "application/json"
    h.update({k.replace("_", "-") if k == "content_type" else k: v for k, v in headers.items()})
    return (j(o["data"]), o["subject"].encode(), h)


def structured(o, **headers):
    """o in structured mode, declared, with extra headers."""
    h = {"content-type": "application/cloudevents+json"}
    h.update(headers)
    return (j(o), o["subject"].encode(), h)


base = good("x")
SAMPLES = {
    "too_large": [j(with_(base, "x" * 70000, "data", "note"))],
    "bad_json": [b'{"specversion":"1.0","id":', b"{'single':'quotes'}", b'{"a":1}}'],
    "not_object": [b"[1,2,3]", b'"just a string"'],
    "missing_attribute": [j(without(base, "id")), j(without(base, "subject")),
                          binary(good("ma"), drop=("id",))],
    "bad_attribute": [j(with_(base, 42, "id")), j(with_(base, "", "source"))],
    "bad_specversion": [j(with_(base, "0.3", "specversion"))],
    "unknown_type": [j(with_(base, "se.casewatch.child.kidnapped", "type")),
                     j(with_(base, "com.example.other", "type"))],
    "bad_time": [j(with_(base, "2025-05-02 10:00", "time")),
                 j(with_(base, "2025-05-02T10:00:00", "time"))],
    "missing_data": [j(without(base, "data")), j(with_(base, [1], "data"))],
    "missing_field": [j(good("mf", "report.received", child="B-c9")),
                      j(good("mf2", "investigation.concluded", investigation_id="U1"))],
    "bad_field": [j(good("bf", "report.received", report_id="R5", child="B-c1", violence="yes")),
                  j(good("bf2", "placement.started", placement_id="P5", basis="voluntary",
                         setting="hvb"))],
    "bad_date": [j(good("bd", "preassessment.extended", report_id="R1", until="2025-02-30",
                        reason="x"))],
    "field_too_long": [j(with_(base, "u" * 100, "data", "unit"))],
    "bad_municipality": [j(with_(base, "18", "data", "municipality")),
                         j(with_(base, "18a0", "data", "municipality"))],
    "unknown_ref": [j(good("ur", "protection.assessed", report_id="R9"))],
    "duplicate_ref": [j(good("dr", "report.received", report_id="R1", child="B-c0"))],
    "repeated_step": [j(good("rs", "investigation.concluded", investigation_id="U1",
                             outcome="measures"))],
    "invalid_transition": [j(good("it", "care_plan.established", placement_id="P1"))],
    "key_mismatch": [(j(good("km")), b"another-case")],
    "bad_encoding": [b"\x01\x02\x03 not json, not avro", b"\xef\xbb\xbf{}"],
    "unknown_schema": [b"\x00\x00\x00\x03\xe7" + b"\x02abc"],
    "bad_avro": [b"\x00\x00\x00\x00\x01" + b"\x06\x31\x2e\x30\xff\xff\xff\xff\xff"],
    "incompatible_schema": [b"\x00\x00\x00\x00\x02" + b"\x00" * 20],
    "bad_content_type": [binary(good("ct"), content_type="text/plain"),
                         (b"[" + j(good("ct2")) + b"]", CASE.encode(),
                          {"content-type": "application/cloudevents-batch+json"})],
    "header_mismatch": [structured(good("hm"), ce_subject="another-case"),
                        structured(good("hm2"), ce_time="2025-05-02T10:00:00Z")],
}

if __name__ == "__main__":
    for code, samples in SAMPLES.items():
        d = os.path.join(HERE, code)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for n, s in enumerate(samples, 1):
            value, key, headers = (s + (None,))[:3] if isinstance(s, tuple) else (s, None, None)
            open(os.path.join(d, f"{n}.msg"), "wb").write(value)
            if key is not None:
                open(os.path.join(d, f"{n}.key"), "wb").write(key)
            if headers is not None:
                with open(os.path.join(d, f"{n}.headers"), "w") as f:
                    json.dump(headers, f, indent=1, ensure_ascii=False)
                    f.write("\n")
    with open(os.path.join(HERE, "setup.jsonl"), "wb") as f:
        for e in SETUP:
            f.write(j(e) + b"\n")
