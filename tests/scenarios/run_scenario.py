#!/usr/bin/python3
"""Run casewatch scenario files (*.scn) through casewatch-replay and judge them.

Usage:
    run_scenario.py [--print-actual] REPLAY_BINARY FILE.scn [FILE.scn ...]

The scenario format is described in FORMAT.md next to this file. In short:

    # Title: ...                 comment lines (a Title and a Why line are required)
    until 2025-07-01T00:00:00+02:00
    event {...CloudEvent JSON...}
    raw TEXT                     verbatim input line (garbage); {{repeat N TEXT}} and
                                 {{bytes HEX}} expand, for huge or binary lines
    expect KIND RULE SUBJECT key=value ...
    expect-reject EVENT_ID|- REASON

The runner writes the input lines to a temporary file, runs
    REPLAY_BINARY [--until T] --dlq DLQFILE INPUT
requires exit status 0, reads the alerts (JSON lines on stdout) and the
rejections (JSON lines in DLQFILE), checks the alert invariants of EVENTS.md
section 4 and SEMANTICS.md, and compares alerts and rejections with the
expectations as multisets: every expectation must match a distinct alert and
every alert must be matched by an expectation (no expectation = no alert).

Exit status: 0 all scenarios passed, 1 some failed, 2 usage or scenario syntax.
Python standard library only (run with Debian's /usr/bin/python3).
"""

import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter

try:
    from zoneinfo import ZoneInfo

    STOCKHOLM = ZoneInfo("Europe/Stockholm")
except Exception:  # pragma: no cover - tzdata missing: skip the offset invariant
    STOCKHOLM = None

TIMEOUT_S = 60

# EVENTS.md section 3: rule id -> (severity, subject kind)
RULES = {
    "protection_assessment_immediate": ("critical", "report"),
    "preassessment_14d": ("high", "report"),
    "violence_report_investigation": ("critical", "report"),
    "investigation_4_months": ("high", "investigation"),
    "child_heard_before_conclusion": ("high", "investigation"),
    "violence_risk_before_conclusion": ("high", "investigation"),
    "followup_closed_investigation": ("medium", "investigation"),
    "followup_ended_placement": ("medium", "placement"),
    "care_plan_at_placement": ("medium", "placement"),
    "care_plan_revision_2_years": ("medium", "placement"),
    "placed_child_visits": ("low", "placement"),
    "sol_reconsideration_6_months": ("high", "placement"),
    "lvu2_reconsideration_6_months": ("high", "placement"),
    "lvu3_review_6_months": ("high", "placement"),
    "custody_transfer_consideration": ("medium", "placement"),
    "moving_ban_consideration": ("high", "placement"),
    "contact_restriction_review_3_months": ("high", "placement"),
    "post_lvu_care_followup_start": ("medium", "placement"),
    "post_lvu_care_followup_6_months": ("medium", "placement"),
    "lvu_emergency_court_submission_1_week": ("critical", "order"),
    "lvu_care_application_4_weeks": ("critical", "order"),
}
KINDS = ("warning", "breach", "resolved", "withdrawn", "violation", "extended")
SEVERITIES = ("critical", "high", "medium", "low")
ZERO_DAY_KINDS = ("warning", "withdrawn", "violation", "extended")

REJECT_REASONS = (
    # decoder
    "too_large", "bad_json", "not_object", "missing_attribute", "bad_attribute",
    "bad_specversion", "unknown_type", "bad_time", "missing_data", "missing_field",
    "bad_field", "bad_date", "field_too_long", "bad_municipality",
    # engine
    "unknown_ref", "duplicate_ref", "repeated_step", "invalid_transition",
)

EXPECT_KEYS = ("start", "due", "nominal_due", "days_overdue", "at", "case", "severity",
               "events", "municipality", "unit", "caseworker")
# keys where "-" means: the field must be absent (or null for unit/caseworker)
ABSENT_OK_KEYS = ("nominal_due", "unit", "caseworker")
# Every field an alert may have (EVENTS.md section 4), and nothing else: an
# alert goes to supervisors' screens and other systems, so it carries no
# event data beyond what the contract lists (no child pseudonym, no reporter).
ALERT_FIELDS = {"id", "kind", "rule", "severity", "case", "subject", "municipality", "unit",
                "caseworker", "start", "due", "nominal_due", "at", "days_overdue", "legal_ref",
                "title_sv", "title_en", "message_sv", "message_en", "events"}

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
RFC3339_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
SUBJECT_RE = re.compile(r"^(report|investigation|placement|order):(.+)$")


class ScenarioError(Exception):
    """The scenario file itself is malformed."""


# ---------------------------------------------------------------- parsing

def parse_rfc3339(text):
    """Parse an RFC 3339 time with offset; return an aware datetime or None."""
    if not isinstance(text, str) or not RFC3339_RE.match(text):
        return None
    t = text[:-1] + "+00:00" if text[-1] in "Zz" else text
    t = t[:10] + "T" + t[11:]
    try:
        return dt.datetime.fromisoformat(t)
    except ValueError:
        return None


def parse_date(text):
    if not isinstance(text, str) or not DATE_RE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def local_date(instant):
    if STOCKHOLM is None:
        return None
    return instant.astimezone(STOCKHOLM).date()


EXPANSION_RE = re.compile(r"\{\{(repeat|bytes) ([^}]*)\}\}")


def expand_raw(text):
    """Expand {{repeat N TEXT}} and {{bytes HEX}} in a raw line; return bytes."""
    out = bytearray()
    pos = 0
    for m in EXPANSION_RE.finditer(text):
        out += text[pos:m.start()].encode("utf-8", "surrogateescape")
        if m.group(1) == "repeat":
            parts = m.group(2).split(" ", 1)
            if len(parts) != 2 or not parts[0].isdigit():
                raise ScenarioError("bad {{repeat N TEXT}}: %r" % m.group(0))
            out += parts[1].encode("utf-8", "surrogateescape") * int(parts[0])
        else:
            hexdigits = m.group(2).replace(" ", "")
            try:
                out += bytes.fromhex(hexdigits)
            except ValueError:
                raise ScenarioError("bad {{bytes HEX}}: %r" % m.group(0))
        pos = m.end()
    out += text[pos:].encode("utf-8", "surrogateescape")
    if b"\n" in out or b"\r" in out:
        raise ScenarioError("a raw line may not contain a line break")
    return bytes(out)


class Expectation:
    def __init__(self, lineno, kind, rule, subject, keys):
        self.lineno = lineno
        self.kind = kind
        self.rule = rule
        self.subject = subject
        self.keys = keys  # dict key -> parsed value

    def describe(self):
        parts = ["expect", self.kind, self.rule, self.subject]
        for k in EXPECT_KEYS:
            if k in self.keys:
                v = self.keys[k]
                if k == "events":
                    v = ",".join(v)
                elif k == "at":
                    v = v[0]
                elif v is None:
                    v = "-"
                parts.append("%s=%s" % (k, v))
        return " ".join(str(p) for p in parts) + "   (line %d)" % self.lineno


class Scenario:
    def __init__(self, path):
        self.path = path
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.title = None
        self.why = None
        self.until = None
        self.inputs = []        # list of bytes, one per input line
        self.event_times = {}   # event id -> aware datetime (from well-formed event lines)
        self.children = set()    # data.child values of the events (must not reach an alert)
        self.expects = []
        self.rejects = []       # list of (event_id or "-", reason)


def parse_expect(lineno, rest):
    fields = rest.split()
    if len(fields) < 3:
        raise ScenarioError("line %d: expect needs KIND RULE SUBJECT" % lineno)
    kind, rule, subject = fields[:3]
    if kind not in KINDS:
        raise ScenarioError("line %d: unknown alert kind %r" % (lineno, kind))
    if rule not in RULES:
        raise ScenarioError("line %d: unknown rule id %r" % (lineno, rule))
    m = SUBJECT_RE.match(subject)
    if not m or m.group(1) != RULES[rule][1]:
        raise ScenarioError("line %d: subject %r does not fit rule %s" % (lineno, subject, rule))
    keys = {}
    for kv in fields[3:]:
        if "=" not in kv:
            raise ScenarioError("line %d: expected key=value, got %r" % (lineno, kv))
        k, v = kv.split("=", 1)
        if k not in EXPECT_KEYS:
            raise ScenarioError("line %d: unknown key %r" % (lineno, k))
        if k in keys:
            raise ScenarioError("line %d: key %r given twice" % (lineno, k))
        if v == "-":
            if k not in ABSENT_OK_KEYS:
                raise ScenarioError("line %d: %s=- is not allowed" % (lineno, k))
            keys[k] = None
        elif k in ("start", "due", "nominal_due"):
            if parse_date(v) is None:
                raise ScenarioError("line %d: %s=%r is not a date" % (lineno, k, v))
            keys[k] = v
        elif k == "days_overdue":
            if not re.match(r"^\d+$", v):
                raise ScenarioError("line %d: days_overdue=%r" % (lineno, v))
            keys[k] = int(v)
        elif k == "at":
            t = parse_rfc3339(v)
            if t is None:
                raise ScenarioError("line %d: at=%r is not RFC 3339 with offset" % (lineno, v))
            keys[k] = (v, t)
        elif k == "events":
            keys[k] = v.split(",")
        elif k == "severity":
            if v not in SEVERITIES:
                raise ScenarioError("line %d: severity=%r" % (lineno, v))
            keys[k] = v
        else:
            keys[k] = v
    if kind in ZERO_DAY_KINDS and keys.get("days_overdue", 0) != 0:
        raise ScenarioError("line %d: a %s has days_overdue=0" % (lineno, kind))
    return Expectation(lineno, kind, rule, subject, keys)


def parse_scenario(path, text=None):
    if text is None:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "surrogateescape")
    sc = Scenario(path)
    for lineno, line in enumerate(text.split("\n"), 1):
        if line.endswith("\r"):
            line = line[:-1]
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            m = re.match(r"^#\s*(Title|Why):\s*(.*)$", stripped)
            if m and m.group(1) == "Title" and sc.title is None:
                sc.title = m.group(2)
            elif m and m.group(1) == "Why" and sc.why is None:
                sc.why = m.group(2)
            continue
        word, _, rest = line.partition(" ")
        if word == "until":
            if sc.until is not None:
                raise ScenarioError("line %d: until given twice" % lineno)
            if parse_rfc3339(rest.strip()) is None:
                raise ScenarioError("line %d: until %r is not RFC 3339 with offset" % (lineno, rest))
            sc.until = rest.strip()
        elif word == "event":
            try:
                ev = json.loads(rest)
            except ValueError as e:
                raise ScenarioError("line %d: event is not valid JSON (%s); use raw for garbage"
                                    % (lineno, e))
            if not isinstance(ev, dict):
                raise ScenarioError("line %d: event is not a JSON object; use raw" % lineno)
            t = parse_rfc3339(ev.get("time"))
            if isinstance(ev.get("id"), str) and t is not None:
                sc.event_times.setdefault(ev["id"], t)
            data = ev.get("data")
            if isinstance(data, dict) and isinstance(data.get("child"), str) and data["child"]:
                sc.children.add(data["child"])
            sc.inputs.append(rest.encode("utf-8"))
        elif word == "raw":
            sc.inputs.append(expand_raw(rest))
        elif word == "expect":
            sc.expects.append(parse_expect(lineno, rest))
        elif word == "expect-reject":
            fields = rest.split()
            if len(fields) != 2:
                raise ScenarioError("line %d: expect-reject EVENT_ID|- REASON" % lineno)
            if fields[1] not in REJECT_REASONS:
                raise ScenarioError("line %d: unknown rejection reason %r" % (lineno, fields[1]))
            sc.rejects.append((fields[0], fields[1]))
        else:
            raise ScenarioError("line %d: unknown directive %r" % (lineno, word))
    if not sc.title or not sc.why:
        raise ScenarioError("a scenario needs '# Title:' and '# Why:' comment lines")
    if not sc.inputs:
        raise ScenarioError("a scenario needs at least one event or raw line")
    return sc


# ---------------------------------------------------------------- matching

def alert_value(alert, key):
    return alert.get(key)


def key_matches(exp_key, exp_val, alert):
    if exp_key == "at":
        got = parse_rfc3339(alert.get("at"))
        return got is not None and got == exp_val[1]
    if exp_val is None:  # must be absent (unit/caseworker: absent or null)
        if exp_key == "nominal_due":
            return "nominal_due" not in alert
        return alert.get(exp_key) is None
    got = alert.get(exp_key)
    if exp_key == "events":
        return isinstance(got, list) and got == exp_val
    return got == exp_val


def expectation_matches(exp, alert):
    if alert.get("kind") != exp.kind or alert.get("rule") != exp.rule \
            or alert.get("subject") != exp.subject:
        return False
    return all(key_matches(k, v, alert) for k, v in exp.keys.items())


def mismatched_keys(exp, alert):
    return [k for k, v in exp.keys.items() if not key_matches(k, v, alert)]


def match_all(expects, alerts):
    """Maximum bipartite matching expectation -> alert (Kuhn's algorithm).
    Returns (list of unmatched expectation indexes, list of unmatched alert indexes)."""
    adj = [[j for j, a in enumerate(alerts) if expectation_matches(e, a)] for e in expects]
    owner = [-1] * len(alerts)

    def augment(i, seen):
        for j in adj[i]:
            if j in seen:
                continue
            seen.add(j)
            if owner[j] == -1 or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    matched = set()
    for i in range(len(expects)):
        if augment(i, set()):
            matched.add(i)
    return ([i for i in range(len(expects)) if i not in matched],
            [j for j in range(len(alerts)) if owner[j] == -1])


# ---------------------------------------------------------------- invariants

def check_invariants(sc, alerts):
    """Return a list of problems found in the produced alerts (EVENTS.md section 4)."""
    problems = []
    ids_by_tuple = {}
    tuple_by_id = {}
    breaches = []
    for n, a in enumerate(alerts):
        where = "alert #%d (%s %s %s)" % (n + 1, a.get("kind"), a.get("rule"), a.get("subject"))

        def bad(msg):
            problems.append("%s: %s" % (where, msg))

        extra = sorted(set(a) - ALERT_FIELDS)
        if extra:
            bad("fields not in the contract: %s" % ", ".join(extra))
        text = json.dumps(a, ensure_ascii=False)
        for child in sorted(sc.children):
            if re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(child), text):
                bad("carries the child pseudonym %r of an event" % child)
        for f in ("id", "kind", "rule", "severity", "case", "subject", "municipality",
                  "start", "due", "at", "title_sv", "title_en", "message_sv", "message_en"):
            if f not in a:
                bad("missing field %r" % f)
            elif not isinstance(a[f], str) or not a[f]:
                bad("field %r must be a non-empty string, got %r" % (f, a[f]))
        kind = a.get("kind")
        if kind not in KINDS:
            bad("unknown kind %r" % kind)
        rule = a.get("rule")
        if rule not in RULES:
            bad("unknown rule %r" % rule)
        elif a.get("severity") != RULES[rule][0]:
            bad("severity %r, the rule's is %r" % (a.get("severity"), RULES[rule][0]))
        m = SUBJECT_RE.match(a.get("subject") or "")
        if not m:
            bad("subject %r is not report:|investigation:|placement:|order:<id>" % a.get("subject"))
        elif rule in RULES and m.group(1) != RULES[rule][1]:
            bad("subject %r does not fit rule %s" % (a.get("subject"), rule))
        if isinstance(a.get("municipality"), str) and not re.match(r"^\d{4}$", a["municipality"]):
            bad("municipality %r is not a 4-digit kommunkod" % a["municipality"])
        for f in ("unit", "caseworker"):
            if f in a and a[f] is not None and not isinstance(a[f], str):
                bad("%s must be a string" % f)
        start = parse_date(a.get("start"))
        due = parse_date(a.get("due"))
        if "start" in a and start is None:
            bad("start %r is not YYYY-MM-DD" % a.get("start"))
        if "due" in a and due is None:
            bad("due %r is not YYYY-MM-DD" % a.get("due"))
        if "nominal_due" in a:
            nominal = parse_date(a["nominal_due"])
            if nominal is None:
                bad("nominal_due %r is not YYYY-MM-DD (absent when not rolled)" % a["nominal_due"])
            elif due is not None and nominal == due:
                bad("nominal_due present but equal to due")
            elif due is not None and nominal > due:
                bad("nominal_due after due")
        at = parse_rfc3339(a.get("at"))
        if "at" in a and at is None:
            bad("at %r is not RFC 3339 with offset" % a.get("at"))
        if at is not None and STOCKHOLM is not None:
            want = at.astimezone(STOCKHOLM).utcoffset()
            if at.utcoffset() != want:
                bad("at %r is not written with the Stockholm offset (%s)" % (a["at"], want))
        days = a.get("days_overdue")
        if "days_overdue" not in a:
            bad("missing field 'days_overdue'")
        elif not isinstance(days, int) or isinstance(days, bool) or days < 0:
            bad("days_overdue must be a non-negative integer, got %r" % days)
        else:
            if kind in ZERO_DAY_KINDS and days != 0:
                bad("days_overdue of a %s must be 0, got %d" % (kind, days))
            if kind == "breach" and at is not None and due is not None and STOCKHOLM:
                want = (local_date(at) - due).days
                if days != want or days < 1:
                    bad("breach days_overdue %d, local date of at - due = %d" % (days, want))
            if kind == "resolved" and due is not None and isinstance(a.get("events"), list) \
                    and a["events"] and a["events"][-1] in sc.event_times and STOCKHOLM:
                t = sc.event_times[a["events"][-1]]
                want = (local_date(t) - due).days
                if days != want:
                    bad("resolved days_overdue %d, local date of %s's time - due = %d"
                        % (days, a["events"][-1], want))
        if kind == "violation" and start is not None and due is not None and start != due:
            bad("a violation has start == due")
        if start is not None and due is not None and start > due:
            bad("start after due")
        lr = a.get("legal_ref")
        if not isinstance(lr, list) or not lr:
            bad("legal_ref must be a non-empty list")
        else:
            for r in lr:
                if not isinstance(r, dict) or not {"law", "ref", "url"} <= set(r):
                    bad("legal_ref entry %r needs law, ref, url" % (r,))
                elif not isinstance(r["law"], str) or not r["law"]:
                    bad("legal_ref law must be a non-empty string")
                elif any(r[k] is not None and not isinstance(r[k], str) for k in ("ref", "url")):
                    bad("legal_ref ref/url must be strings (or null)")
        evs = a.get("events")
        if not isinstance(evs, list) or not evs or not all(isinstance(e, str) for e in evs):
            bad("events must be a non-empty list of event ids")
        else:
            unknown = [e for e in evs if e not in sc.event_times]
            if unknown:
                bad("events %r are not ids of input events" % unknown)
        # deterministic ids
        key = (a.get("case"), a.get("rule"), a.get("subject"), a.get("due"), kind)
        aid = a.get("id")
        if isinstance(aid, str):
            if key in ids_by_tuple and ids_by_tuple[key] != aid:
                bad("same (case, rule, subject, due, kind) as an earlier alert but another id")
            if aid in tuple_by_id and tuple_by_id[aid] != key:
                bad("id %r already used for %r" % (aid, tuple_by_id[aid]))
            ids_by_tuple.setdefault(key, aid)
            tuple_by_id.setdefault(aid, key)
        # resolved / withdrawn need an earlier breach
        csr = (a.get("case"), a.get("rule"), a.get("subject"))
        if kind == "resolved" and (csr + (a.get("due"),)) not in breaches:
            bad("resolved without an earlier breach of the same case, rule, subject and due")
        if kind == "withdrawn" and not any(b[:3] == csr for b in breaches):
            bad("withdrawn without an earlier breach of the same case, rule and subject")
        if kind == "breach":
            breaches.append(csr + (a.get("due"),))
    return problems


# ---------------------------------------------------------------- running

def fmt_alert(a):
    return json.dumps(a, ensure_ascii=False, sort_keys=True)


def as_expect_line(a):
    """Render a produced alert as an expect line (for --print-actual)."""
    parts = ["expect", str(a.get("kind")), str(a.get("rule")), str(a.get("subject"))]
    for k in ("start", "due"):
        parts.append("%s=%s" % (k, a.get(k)))
    parts.append("nominal_due=%s" % (a["nominal_due"] if "nominal_due" in a else "-"))
    parts.append("days_overdue=%s" % a.get("days_overdue"))
    parts.append("at=%s" % a.get("at"))
    if isinstance(a.get("events"), list):
        parts.append("events=%s" % ",".join(str(e) for e in a["events"]))
    return " ".join(parts)


def run_one(binary, path, print_actual=False):
    """Run one scenario file; return True when it passed."""
    out = []
    try:
        sc = parse_scenario(path)
    except (ScenarioError, OSError) as e:
        print("FAIL %s: bad scenario file: %s" % (path, e))
        return False
    with tempfile.TemporaryDirectory(prefix="cwscn.") as tmp:
        inp = os.path.join(tmp, "input.jsonl")
        dlq = os.path.join(tmp, "dlq.jsonl")
        with open(inp, "wb") as f:
            for line in sc.inputs:
                f.write(line + b"\n")
        cmd = [binary]
        if sc.until:
            cmd += ["--until", sc.until]
        cmd += ["--dlq", dlq, inp]
        try:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            print("FAIL %s: %s timed out after %d s" % (sc.name, binary, TIMEOUT_S))
            return False
        except OSError as e:
            print("FAIL %s: cannot run %s: %s" % (sc.name, binary, e))
            return False
        stderr = proc.stderr.decode("utf-8", "replace")
        dlq_text = ""
        if os.path.exists(dlq):
            with open(dlq, "rb") as f:
                dlq_text = f.read().decode("utf-8", "replace")

    problems = []
    if proc.returncode != 0:
        problems.append("exit status %d (want 0)" % proc.returncode)
    alerts = []
    for i, line in enumerate(proc.stdout.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            a = json.loads(line)
        except ValueError:
            problems.append("stdout line %d is not JSON: %r" % (i, line[:200]))
            continue
        if not isinstance(a, dict):
            problems.append("stdout line %d is not a JSON object" % i)
            continue
        alerts.append(a)
    rejects = []
    for i, line in enumerate(dlq_text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except ValueError:
            problems.append("DLQ line %d is not JSON: %r" % (i, line[:200]))
            continue
        if not isinstance(r, dict) or not {"event_id", "offset", "reason"} <= set(r):
            problems.append("DLQ line %d lacks event_id/offset/reason: %r" % (i, line[:200]))
            continue
        if r["event_id"] is not None and not isinstance(r["event_id"], str):
            problems.append("DLQ line %d: event_id must be a string or null" % i)
        if not isinstance(r["offset"], int) or isinstance(r["offset"], bool) or r["offset"] < 0:
            problems.append("DLQ line %d: offset must be a non-negative integer" % i)
        rejects.append((r["event_id"] if isinstance(r["event_id"], str) else "-",
                        str(r["reason"])))

    problems += check_invariants(sc, alerts)

    missing, unexpected = match_all(sc.expects, alerts)
    for i in missing:
        e = sc.expects[i]
        out.append("  missing:    %s" % e.describe())
        near = [a for a in alerts if a.get("kind") == e.kind and a.get("rule") == e.rule
                and a.get("subject") == e.subject]
        for a in near:
            out.append("      nearest produced alert differs in %s: %s"
                       % (",".join(mismatched_keys(e, a)), fmt_alert(a)))
    for j in unexpected:
        out.append("  unexpected: %s" % fmt_alert(alerts[j]))
        out.append("              (%s)" % as_expect_line(alerts[j]))

    want_rej = Counter(sc.rejects)
    got_rej = Counter(rejects)
    for r, n in sorted((want_rej - got_rej).items()):
        out.append("  missing rejection:    %s %s%s" % (r[0], r[1], " (x%d)" % n if n > 1 else ""))
    for r, n in sorted((got_rej - want_rej).items()):
        out.append("  unexpected rejection: %s %s%s" % (r[0], r[1], " (x%d)" % n if n > 1 else ""))

    ok = not problems and not out
    if ok:
        print("PASS %s: %d alerts, %d rejections as expected" % (sc.name, len(alerts), len(rejects)))
    else:
        print("FAIL %s (%s)" % (sc.name, sc.title))
        print("  command: %s" % " ".join(cmd))
        for p in problems:
            print("  invariant: %s" % p)
        for line in out:
            print(line)
        if stderr.strip():
            print("  replay stderr:")
            for line in stderr.splitlines()[:40]:
                print("    " + line)
    if print_actual or not ok:
        if alerts:
            print("  produced alerts, as expect lines:")
            for a in alerts:
                print("    " + as_expect_line(a))
        if rejects:
            print("  produced rejections:")
            for r in rejects:
                print("    expect-reject %s %s" % r)
    return ok


def main(argv):
    args = argv[1:]
    print_actual = False
    if args and args[0] == "--print-actual":
        print_actual = True
        args = args[1:]
    if len(args) < 2:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    binary, files = args[0], args[1:]
    passed = failed = 0
    for path in files:
        if run_one(binary, path, print_actual):
            passed += 1
        else:
            failed += 1
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
