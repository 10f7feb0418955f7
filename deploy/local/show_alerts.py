#!/usr/bin/python3
"""Prints the alerts of a topic as they arrive, one readable line each:
date, kind, severity, case, subject, due date, Swedish title.

show_alerts.py BOOTSTRAP TOPIC   (reads the topic with kcat; stops it on SIGTERM)
show_alerts.py < alerts.jsonl"""
import json
import signal
import subprocess
import sys

MARK = {"warning": "WARNING", "breach": "BREACH", "resolved": "RESOLVED",
        "withdrawn": "WITHDRAWN", "violation": "VIOLATION", "extended": "EXTENDED"}

source, kcat = sys.stdin, None
if len(sys.argv) == 3:
    kcat = subprocess.Popen(["kcat", "-b", sys.argv[1], "-t", sys.argv[2], "-C", "-q", "-u",
                             "-f", "%s\n"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    source = kcat.stdout

    def stop(sig, frame):
        kcat.terminate()
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

for line in source:
    try:
        a = json.loads(line)
    except ValueError:
        continue
    late = " (%d d late)" % a["days_overdue"] if a.get("days_overdue") else ""
    print("%s %-9s %-8s %-16s %-18s due %s%s  %s" % (
        a["at"][:10], MARK.get(a["kind"], a["kind"]), a["severity"], a["case"], a["subject"],
        a["due"], late, a["title_sv"]), flush=True)
