#!/usr/bin/python3
"""Deterministic caseload generator for benchmarks (not the simulator).

gen_events.py CASES [SEED] > events.jsonl

Each case gets a report (1 in 5 about violence), a protection assessment, a
preassessment decision (38 % open an investigation), an investigation with
the child heard and a conclusion, and for 1 in 12 cases a placement with
visits and reconsiderations (40 % still ongoing). About 10 % of steps are late. Half of the cases
are closed at the end, so both open and closed cases are held. Events are
written in time order, as a stream would carry them.
"""
import datetime as dt
import json
import random
import sys

TZ = dt.timezone(dt.timedelta(hours=1))


def ev(out, seq, case, typ, t, **data):
    data["municipality"] = "0180"
    out.append((t, seq[0], json.dumps({
        "specversion": "1.0", "id": f"{case}-{seq[0]}", "source": "urn:kommun:0180:ifo",
        "type": "se.casewatch." + typ, "time": t.strftime("%Y-%m-%dT%H:%M:%S+01:00"),
        "subject": case, "data": data}, separators=(",", ":"))))
    seq[0] += 1


def case_events(out, seq, rnd, i):
    case = f"C-{i:07d}"
    t = dt.datetime(2025, 1, 1, 9, tzinfo=TZ) + dt.timedelta(minutes=rnd.randrange(365 * 24 * 60))
    late = lambda: rnd.random() < 0.1
    ev(out, seq, case, "report.received", t, report_id="R1", child=f"B{i}",
       violence=rnd.random() < 0.2, reporter=rnd.choice(["police", "school", "health"]))
    ev(out, seq, case, "protection.assessed", t + dt.timedelta(hours=2), report_id="R1")
    t2 = t + dt.timedelta(days=rnd.randint(15, 30) if late() else rnd.randint(3, 13))
    if rnd.random() < 0.38:
        ev(out, seq, case, "investigation.opened", t2, investigation_id="U1", report_id="R1")
        ev(out, seq, case, "child.heard", t2 + dt.timedelta(days=20), investigation_id="U1")
        t3 = t2 + dt.timedelta(days=rnd.randint(125, 160) if late() else rnd.randint(40, 110))
        ev(out, seq, case, "investigation.concluded", t3, investigation_id="U1",
           outcome=rnd.choice(["measures", "no_measures"]))
        t2 = t3
        if rnd.random() < 0.22:
            ev(out, seq, case, "placement.started", t3 + dt.timedelta(days=1), placement_id="P1",
               basis="sol", setting="family_home")
            ev(out, seq, case, "care_plan.established", t3 + dt.timedelta(days=5), placement_id="P1")
            tv = t3
            for _ in range(rnd.randint(1, 4)):
                tv += dt.timedelta(days=rnd.randint(60, 100))
                ev(out, seq, case, "child.visited", tv, placement_id="P1")
                ev(out, seq, case, "care.reconsidered", tv + dt.timedelta(days=1), placement_id="P1")
            if rnd.random() < 0.4:
                return  # an ongoing placement: the case stays open with its obligations
            ev(out, seq, case, "placement.ended", tv + dt.timedelta(days=10), placement_id="P1",
               reason="care_ended")
            t2 = tv + dt.timedelta(days=10)
    else:
        ev(out, seq, case, "investigation.not_opened", t2, report_id="R1")
    if rnd.random() < 0.5:
        ev(out, seq, case, "case.closed", t2 + dt.timedelta(days=1))


def main():
    cases = int(sys.argv[1])
    rnd = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
    out, seq = [], [0]
    for i in range(cases):
        case_events(out, seq, rnd, i)
    out.sort()
    w = sys.stdout.write
    for _, _, line in out:
        w(line)
        w("\n")


main()
