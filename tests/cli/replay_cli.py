#!/usr/bin/python3
"""Black-box tests of casewatch-replay: hostile input is rejected line by line
with a reason and never crashes; every non-blank line is accounted for
(applied, ignored as a duplicate, or in the DLQ); exit codes per EVENTS.md §5.
Usage: replay_cli.py REPLAY_BINARY"""
import json
import os
import random
import subprocess
import sys
import tempfile

REPLAY = sys.argv[1]
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def event(i, typ="report.received", case="C1", **data):
    d = {"municipality": "0180", "report_id": f"R{i}", "child": "B1"}
    d.update(data)
    return json.dumps({"specversion": "1.0", "id": f"e{i}", "source": "urn:kommun:0180:ifo",
                       "type": "se.casewatch." + typ, "time": "2025-06-02T09:00:00+02:00",
                       "subject": case, "data": d}).encode()


def run(args, data=b"", timeout=120):
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "in.jsonl")
        dlq = os.path.join(tmp, "dlq.jsonl")
        with open(inp, "wb") as f:
            f.write(data)
        p = subprocess.run([REPLAY, "--dlq", dlq] + args + [inp], capture_output=True,
                           timeout=timeout)
        rejected = [json.loads(l) for l in open(dlq, "rb")] if os.path.exists(dlq) else []
        return p, rejected


# --- hostile lines, each must be rejected with its reason ---
good = event(1)
hostile = [
    (good[: len(good) // 2], "bad_json"),                         # truncated
    (b"\x00\x01\x02\xff\xfe binary", "bad_json"),                  # binary garbage
    (good + b"\x00" + b"trailing", "bad_json"),                    # NUL after a valid event
    (b"[1,2,3]", "not_object"),
    (b"42", "not_object"),
    (event(2, typ="report.teleported"), "unknown_type"),
    (event(3).replace(b'"R3"', b'3'), "bad_field"),                # wrong type
    (event(4).replace(b'"0180"', b'"18"'), "bad_municipality"),
    (event(5).replace(b'"B1"', b'"' + b"x" * 5000 + b'"'), "field_too_long"),
    (b'{"a":' * 100000 + b'1' + b'}' * 100000, "too_large"),       # deep and huge
    (b"{" + b'"k":"' + b"y" * 70000 + b'"}', "too_large"),         # 70 KB line
    (event(6).replace(b"2025-06-02T09:00:00+02:00", b"2025-06-02T09:00:00"), "bad_time"),
    (event(7).replace(b'"specversion": "1.0", ', b""), "missing_attribute"),
    (event(8, typ="protection.assessed", report_id="R999"), "unknown_ref"),
]
data = good + b"\n" + b"\n".join(h for h, _ in hostile) + b"\n" + good + b"\n"
p, rej = run([], data)
check("hostile exit 0", p.returncode == 0, p.stderr[-300:])
want = sorted(r for _, r in hostile)
got = sorted(r["reason"] for r in rej)
check("hostile reasons", got == want, f"\n got {got}\nwant {want}")
offsets = sorted(r["offset"] for r in rej)
check("hostile offsets", offsets == list(range(1, len(hostile) + 1)), str(offsets))
check("detail present", all(r.get("detail") for r in rej))
check("no payload in detail", all("x" * 50 not in r["detail"] for r in rej))

# --- a 20 MB line without newline at the end, and CRLF line endings ---
p, rej = run([], good + b"\r\n" + b"z" * (20 << 20))
check("huge tail exit 0", p.returncode == 0)
check("huge tail rejected", [r["reason"] for r in rej] == ["too_large"], str(rej)[:200])

# --- random garbage: every non-blank line is rejected, nothing crashes ---
rnd = random.Random(7)
lines = []
for i in range(3000):
    n = rnd.randrange(1, 400)
    b = bytes(rnd.randrange(256) for _ in range(n)).replace(b"\n", b" ")
    if rnd.random() < 0.5:  # mutate a valid event instead
        e = bytearray(event(100 + i, case=f"C{i}"))
        for _ in range(rnd.randrange(1, 6)):
            e[rnd.randrange(len(e))] = rnd.randrange(256)
        b = bytes(e).replace(b"\n", b" ")
    lines.append(b)
p, rej = run([], b"\n".join(lines) + b"\n")
check("garbage exit 0", p.returncode == 0, p.stderr[-300:])
nonblank = sum(1 for l in lines if l.strip(b" \t\r"))
alerts = [json.loads(l) for l in p.stdout.splitlines()]
# Mutated events that still decode are applied (alerts need a clock, none here);
# the rest must each be in the DLQ with a known reason.
check("garbage accounted", len(rej) <= nonblank and len(rej) >= nonblank * 0.9,
      f"{len(rej)} of {nonblank}")
check("garbage reasons known", all(r["reason"] for r in rej))

# --- exit codes ---
p = subprocess.run([REPLAY, "/nonexistent/file.jsonl"], capture_output=True)
check("unreadable file exits 1", p.returncode == 1 and b"/nonexistent" in p.stderr)
p = subprocess.run([REPLAY, "--rules", "/nonexistent/pack.json"], capture_output=True,
                   input=b"")
check("bad pack exits 1", p.returncode == 1 and b"rule pack" in p.stderr)
with tempfile.NamedTemporaryFile("w", suffix=".json") as bad:
    bad.write('{"pack": "x", "version": "1", "texts": {}, "rules": []}')
    bad.flush()
    p = subprocess.run([REPLAY, "--rules", bad.name], capture_output=True, input=b"")
    check("invalid pack exits 1", p.returncode == 1 and b"texts" in p.stderr, p.stderr)
p = subprocess.run([REPLAY, "--until", "tomorrow"], capture_output=True, input=b"")
check("bad --until exits 2", p.returncode == 2)
p = subprocess.run([REPLAY, "--frobnicate"], capture_output=True, input=b"")
check("unknown option exits 2", p.returncode == 2)
# standard input and stderr as the default DLQ
p = subprocess.run([REPLAY, "--until", "2025-07-01T00:00:00+02:00"], capture_output=True,
                   input=good + b"\n{oops\n")
out = [json.loads(l) for l in p.stdout.splitlines()]
err = [json.loads(l) for l in p.stderr.splitlines()]
check("stdin exit 0", p.returncode == 0)
check("stdin alerts", sorted(a["rule"] for a in out) ==
      ["preassessment_14d", "protection_assessment_immediate"], str(out)[:300])
check("stderr dlq", [e["reason"] for e in err] == ["bad_json"] and err[0]["offset"] == 1)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
