#!/usr/bin/python3
"""Self-test of run_scenario.py: scenario parsing, raw expansion, matching, invariants,
and one end-to-end run against a fake replay binary. Standard library only."""

import json
import os
import sys
import tempfile
import unittest

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_scenario as rs  # noqa: E402

SAMPLE = """\
# Title: sample
# Why: runner self-test
until 2025-06-24T00:00:00+02:00
event {"specversion":"1.0","id":"e1","source":"urn:kommun:0180:ifo","type":"se.casewatch.report.received","time":"2025-06-07T10:00:00+02:00","subject":"C1","data":{"municipality":"0180","report_id":"R1","child":"B1","violence":true}}
event {"specversion":"1.0","id":"e2","source":"urn:kommun:0180:ifo","type":"se.casewatch.investigation.opened","time":"2025-06-24T09:00:00+02:00","subject":"C1","data":{"municipality":"0180","report_id":"R1","investigation_id":"U1"}}
raw {"truncated":
raw x{{repeat 3 ab}}y{{bytes 00 ff}}
expect breach preassessment_14d report:R1 start=2025-06-07 due=2025-06-23 nominal_due=2025-06-21 days_overdue=1 at=2025-06-24T00:00:00+02:00 events=e1 unit=-
expect-reject e7 unknown_ref
expect-reject - bad_json
"""


def alert(**kw):
    a = {"id": "id-1", "kind": "breach", "rule": "preassessment_14d", "severity": "high",
         "case": "C1", "subject": "report:R1", "municipality": "0180",
         "start": "2025-06-07", "due": "2025-06-23", "nominal_due": "2025-06-21",
         "at": "2025-06-24T00:00:00+02:00", "days_overdue": 1,
         "legal_ref": [{"law": "SoL (2001:453)", "ref": "11 kap. 1 a §", "url": None}],
         "title_sv": "t", "title_en": "t", "message_sv": "m", "message_en": "m", "events": ["e1"]}
    a.update(kw)
    for k in [k for k, v in kw.items() if v is rs]:  # rs as a marker: drop the key
        del a[k]
    return a


class Parsing(unittest.TestCase):
    def setUp(self):
        self.sc = rs.parse_scenario("sample.scn", SAMPLE)

    def test_parts(self):
        sc = self.sc
        self.assertEqual(sc.title, "sample")
        self.assertEqual(sc.until, "2025-06-24T00:00:00+02:00")
        self.assertEqual(len(sc.inputs), 4)
        self.assertEqual(sc.inputs[2], b'{"truncated":')
        self.assertEqual(sc.inputs[3], b"xababab y\x00\xff".replace(b" ", b""))
        self.assertEqual(sc.rejects, [("e7", "unknown_ref"), ("-", "bad_json")])
        e = sc.expects[0]
        self.assertEqual((e.kind, e.rule, e.subject), ("breach", "preassessment_14d", "report:R1"))
        self.assertEqual(e.keys["events"], ["e1"])
        self.assertIsNone(e.keys["unit"])
        self.assertEqual(e.keys["nominal_due"], "2025-06-21")
        self.assertEqual(e.keys["days_overdue"], 1)
        self.assertIn("e1", sc.event_times)

    def test_syntax_errors(self):
        bad = [
            "# Title: t\n# Why: w\nevent {not json}\n",
            "# Title: t\n# Why: w\nevent {}\nexpect breach no_such_rule report:R1\n",
            "# Title: t\n# Why: w\nevent {}\nexpect breach preassessment_14d placement:P1\n",
            "# Title: t\n# Why: w\nevent {}\nexpect warning preassessment_14d report:R1 days_overdue=2\n",
            "# Title: t\n# Why: w\nevent {}\nexpect-reject e1 no_such_reason\n",
            "# Title: t\nevent {}\n",
            "# Title: t\n# Why: w\nuntil 2025-06-24 00:00\nevent {}\n",
            "# Title: t\n# Why: w\nevent {}\nexpect breach preassessment_14d report:R1 due=-\n",
        ]
        for text in bad:
            with self.assertRaises(rs.ScenarioError, msg=text):
                rs.parse_scenario("bad.scn", text)


class Matching(unittest.TestCase):
    def test_exact_and_partial(self):
        sc = rs.parse_scenario("sample.scn", SAMPLE)
        self.assertEqual(rs.match_all(sc.expects, [alert()]), ([], []))
        # 'at' compares instants, not spellings
        self.assertEqual(rs.match_all(sc.expects, [alert(at="2025-06-23T22:00:00Z")]), ([], []))
        self.assertEqual(rs.match_all(sc.expects, [alert(days_overdue=2)]), ([0], [0]))
        self.assertEqual(rs.match_all(sc.expects, [alert(unit="U")]), ([0], [0]))
        self.assertEqual(rs.match_all(sc.expects, []), ([0], []))
        self.assertEqual(rs.match_all(sc.expects, [alert(), alert()]), ([], [1]))

    def test_augmenting_path(self):
        loose = rs.parse_expect(1, "breach preassessment_14d report:R1")
        tight = rs.parse_expect(2, "breach preassessment_14d report:R1 due=2025-06-23")
        a_any = alert(due="2025-06-30", id="x")
        a_623 = alert()
        # the loose expectation grabs the first alert unless matching is maximal
        self.assertEqual(rs.match_all([loose, tight], [a_623, a_any]), ([], []))

    def test_nominal_absent(self):
        e = rs.parse_expect(1, "warning preassessment_14d report:R1 nominal_due=-")
        self.assertTrue(rs.expectation_matches(e, alert(kind="warning", nominal_due=rs)))
        self.assertFalse(rs.expectation_matches(e, alert(kind="warning")))


class Invariants(unittest.TestCase):
    def setUp(self):
        self.sc = rs.parse_scenario("sample.scn", SAMPLE)

    def problems(self, *alerts):
        return rs.check_invariants(self.sc, list(alerts))

    def test_good(self):
        self.assertEqual(self.problems(alert()), [])

    def test_bad(self):
        cases = [
            alert(days_overdue=3),                          # breach days != date(at) - due
            alert(nominal_due="2025-06-23"),                # nominal equal to due
            alert(at="2025-06-24T00:00:00+01:00"),          # not the Stockholm offset
            alert(at="2025-06-24 00:00"),                   # not RFC 3339
            alert(severity="low"),                          # not the rule's severity
            alert(title_en=""),                             # empty text
            alert(legal_ref=[]),                            # no legal reference
            alert(events=["e99"]),                          # not an input event
            alert(municipality="180"),
            alert(subject="placement:P1"),
            alert(kind="warning", days_overdue=1),
            alert(kind="resolved"),                         # no breach before it
            alert(kind="withdrawn", days_overdue=0),        # no breach before it
            alert(days_overdue=True),
            alert(case=rs),                                 # missing field
            alert(child="B1"),                              # a field not in the contract
            alert(message_en="Report R1 about child B1"),   # an event's child pseudonym
        ]
        for a in cases:
            self.assertNotEqual(self.problems(a), [], msg=json.dumps(a, default=str))

    def test_ids(self):
        self.assertEqual(self.problems(alert(), alert(kind="resolved", id="id-2", events=["e1", "e2"])), [])
        self.assertNotEqual(self.problems(alert(), alert(id="id-other")), [])
        self.assertNotEqual(self.problems(alert(), alert(kind="resolved", events=["e1", "e2"])), [])
        # resolved: days counted to the satisfying event's own date (24 June - 23 June = 1)
        self.assertNotEqual(self.problems(alert(), alert(kind="resolved", id="id-2", events=["e1", "e2"],
                                                         days_overdue=2)), [])


FAKE = r'''#!/usr/bin/python3
import sys, json
args = sys.argv[1:]
dlq = args[args.index("--dlq") + 1]
assert args[args.index("--until") + 1] == "2025-06-24T00:00:00+02:00"
print(json.dumps(%s))
with open(dlq, "w") as f:
    f.write(json.dumps({"event_id": "e7", "offset": 3, "reason": "unknown_ref"}) + "\n")
    f.write(json.dumps({"event_id": None, "offset": 1, "reason": "bad_json"}) + "\n")
'''


class EndToEnd(unittest.TestCase):
    def run_with(self, produced):
        with tempfile.TemporaryDirectory() as tmp:
            scn = os.path.join(tmp, "sample.scn")
            with open(scn, "w") as f:
                f.write(SAMPLE)
            fake = os.path.join(tmp, "fake-replay")
            with open(fake, "w") as f:
                f.write(FAKE % repr(produced))
            os.chmod(fake, 0o755)
            devnull = open(os.devnull, "w")
            old, sys.stdout = sys.stdout, devnull
            try:
                return rs.run_one(fake, scn)
            finally:
                sys.stdout = old
                devnull.close()

    def test_pass(self):
        self.assertTrue(self.run_with(alert()))

    def test_fail(self):
        self.assertFalse(self.run_with(alert(due="2025-06-22", nominal_due=rs, days_overdue=2)))


if __name__ == "__main__":
    unittest.main(verbosity=1)
