#!/usr/bin/python3
"""The hostile-input corpus (tests/corpus/<reason>/) through every reader:
casewatch-replay, casewatch-produce and casewatch-processor. Every sample
is accounted for — applied, or dead-lettered with the expected reason —
and nothing crashes.

Usage: test_corpus.py BUILD_DIR replay|produce|processor"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = sys.argv[1]
os.environ["CW_BUILD"] = BUILD
REPLAY = os.path.join(BUILD, "consumers/replay/casewatch-replay")
PRODUCE = os.path.join(BUILD, "producers/produce/casewatch-produce")

# Codes only the processor can give (it alone sees keys and wire framing);
# what the JSON-lines readers make of those samples instead.
WIRE_ONLY = {"key_mismatch": None, "bad_encoding": "bad_json", "unknown_schema": "bad_json",
             "bad_avro": "bad_json", "incompatible_schema": "bad_json",
             "header_mismatch": None}  # a valid event; only its headers are wrong
# Samples whose headers make them what they are (CloudEvents binary mode, a
# declared content-type): what their value alone is to the JSON-lines readers.
LINES_AS = {"bad_content_type/1.msg": "missing_attribute",  # data without the attributes
            "bad_content_type/2.msg": "not_object"}  # a batch: a JSON array


def lines_reason(code, name):
    return LINES_AS[name] if name in LINES_AS else WIRE_ONLY.get(code, code)
# On Kafka a value is JSON only when it starts with '{' (else Avro or
# bad_encoding), so a JSON array or string never reaches the JSON decoder.
PROCESSOR_AS = {"not_object": "bad_encoding"}
# Codes that need the case's history: the producer validates single events.
CASE_STATE = {"unknown_ref", "duplicate_ref", "repeated_step", "invalid_transition"}


def samples():
    out = []
    for path in sorted(glob.glob(os.path.join(HERE, "*", "*.msg"))):
        code = os.path.basename(os.path.dirname(path))
        key_path = path[:-4] + ".key"
        value = open(path, "rb").read()
        key = open(key_path, "rb").read() if os.path.exists(key_path) else None
        headers_path = path[:-4] + ".headers"
        headers = (json.load(open(headers_path, encoding="utf-8"))
                   if os.path.exists(headers_path) else None)
        out.append((code, os.path.relpath(path, HERE), value, key, headers))
    codes = {s[0] for s in out}
    listed = set(re.findall(r'X\(\w+, "(\w+)"',
                            open(os.path.join(ROOT, "common/model/reject.h")).read()))
    assert codes == listed, f"reason codes without a sample: {listed - codes}; unknown: {codes - listed}"
    return out


def setup():
    return open(os.path.join(HERE, "setup.jsonl"), "rb").read().splitlines()


def lines_input(tmp, extra_first=()):
    """setup, then every sample as one line (none holds a newline)."""
    ss = samples()
    for code, name, value, _, _ in ss:
        assert b"\n" not in value, name
    path = os.path.join(tmp, "in.jsonl")
    with open(path, "wb") as f:
        for l in setup():
            f.write(l + b"\n")
        for _, _, value, _, _ in ss:
            f.write(value + b"\n")
    return path, ss


def test_replay(tmp):
    path, ss = lines_input(tmp)
    dlq = os.path.join(tmp, "dlq.jsonl")
    p = subprocess.run([REPLAY, "--dlq", dlq, "--stats", os.path.join(tmp, "st"), path],
                       capture_output=True)
    assert p.returncode == 0, p.stderr
    got = {r["offset"]: r["reason"] for r in map(json.loads, open(dlq))}
    n0 = len(setup())
    want = {}
    for i, (code, name, _, _, _) in enumerate(ss):
        w = lines_reason(code, name)
        if w:
            want[n0 + i] = w
    assert got == want, {o: (got.get(o), want.get(o)) for o in set(got) | set(want)
                         if got.get(o) != want.get(o)}
    st = json.load(open(os.path.join(tmp, "st")))
    assert st["lines"] == n0 + len(ss) and st["rejected"] == len(want), st
    assert st["events"] + sum(1 for c in want.values() if c not in CASE_STATE) == st["lines"], st
    print(f"replay: {len(ss)} samples, {len(want)} rejected with the expected reason, "
          f"{len(ss) - len(want)} applied")


def test_produce(tmp):
    path, ss = lines_input(tmp)
    out, dlq = os.path.join(tmp, "out.jsonl"), os.path.join(tmp, "dlq.jsonl")
    p = subprocess.run([PRODUCE, "--output", out, "--dlq", dlq, path], capture_output=True)
    assert p.returncode == 3, (p.returncode, p.stderr)
    got = {r["offset"]: r["reason"] for r in map(json.loads, open(dlq))}
    n0 = len(setup())
    want = {}
    for i, (code, name, _, _, _) in enumerate(ss):
        w = lines_reason(code, name)
        if w and w not in CASE_STATE:
            want[n0 + i] = w
    assert got == want, {o: (got.get(o), want.get(o)) for o in set(got) | set(want)
                         if got.get(o) != want.get(o)}
    passed = open(out, "rb").read().splitlines()
    assert len(passed) + len(got) == n0 + len(ss)
    print(f"produce: {len(got)} rejected with the expected reason, {len(passed)} passed on")


def test_processor(tmp):
    sys.path.insert(0, os.path.join(ROOT, "tests/kafka"))
    import harness as h
    ss = samples()
    setup_lines = [l.decode() for l in setup()]
    expected = h.replay(setup_lines, until="2025-06-01T00:00:00+02:00")
    b = h.Broker({"case-events": 3, "case-alerts": 3, "casewatch-state": 3, "case-events-dlq": 1})
    try:
        h.produce(b.bootstrap, "case-events", setup_lines)
        msgs = [(key if key is not None else (json.loads(v)["subject"] if v[:1] == b"{" and
                 _subject(v) else "corpus-case-1"), v,
                 [(k, x.encode()) for k, x in hd.items()] if hd else None)
                for _, _, v, key, hd in ss]
        h.produce(b.bootstrap, "case-events", msgs)
        clock = os.path.join(tmp, "clock")
        open(clock, "w").write("2025-06-01T00:00:00+02:00\n")
        p = h.Processor(b, tmp, "p1", {"processor.clock_file": clock})
        dlq = h.read_all(b.bootstrap, "case-events-dlq", 1, idle_s=2, want=len(ss))
        got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", 3, idle_s=1, want=len(expected)))
        time.sleep(1.5)  # one more counter report
        assert p.stop() == 0, p.logtext()[-2000:]
    finally:
        b.stop()
    reasons = sorted((dict(m.headers())["cw_reason"].decode(), m.value()) for m in dlq)
    want = sorted((PROCESSOR_AS.get(code, code), v) for code, _, v, _, _ in ss)
    assert reasons == want, [x for x in reasons if x not in want][:3] + [x for x in want if x not in reasons][:3]
    assert sorted(a["id"] for a in got) == sorted(a["id"] for a in expected)
    last = [l for l in p.logtext().splitlines() if "consumed=" in l][-1]
    counts = dict(re.findall(r"(consumed|applied|rejected)=(\d+)", last))
    assert int(counts["consumed"]) == len(setup_lines) + len(ss), last
    assert int(counts["applied"]) == len(setup_lines) and int(counts["rejected"]) == len(ss), last
    print(f"processor: {len(ss)} samples dead-lettered with their reasons and original bytes; "
          f"{len(setup_lines)} applied; consumed={counts['consumed']}")


def _subject(v):
    try:
        s = json.loads(v).get("subject")
        return isinstance(s, str) and s
    except (ValueError, AttributeError):
        return None


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.time()
        globals()["test_" + sys.argv[2]](tmp)
        print(f"{sys.argv[2]}: {time.time() - t0:.1f} s")
    print("1 passed, 0 failed")
