#!/usr/bin/python3
"""Reads alert JSON lines (the alert topic via kcat) and prints one readable
line each: date, kind, severity, case, subject, due date, Swedish title."""
import json
import sys

MARK = {"warning": "WARNING", "breach": "BREACH", "resolved": "RESOLVED",
        "withdrawn": "WITHDRAWN", "violation": "VIOLATION", "extended": "EXTENDED"}

for line in sys.stdin:
    try:
        a = json.loads(line)
    except ValueError:
        continue
    late = " (%d d late)" % a["days_overdue"] if a.get("days_overdue") else ""
    print("%s %-9s %-8s %-16s %-18s due %s%s  %s" % (
        a["at"][:10], MARK.get(a["kind"], a["kind"]), a["severity"], a["case"], a["subject"],
        a["due"], late, a["title_sv"]), flush=True)
