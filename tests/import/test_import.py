#!/usr/bin/python3
"""casewatch-import (issue 22), black-box.

Usage: test_import.py BUILD_DIR TEST_NAME

The round trip: simulated events are written as the CSV a case system
would export (export_csv below, driven by the sample mapping itself), that
CSV is imported, and the audit of the imported events must equal the audit
of the original ones."""
import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
import zoneinfo

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = sys.argv[1]
SIMULATE = os.path.join(BUILD, "producers/simulate/casewatch-simulate")
IMPORT = os.path.join(BUILD, "producers/import/casewatch-import")
AUDIT = os.path.join(BUILD, "consumers/audit/casewatch-audit")
REPLAY = os.path.join(BUILD, "consumers/replay/casewatch-replay")
MAPPINGS = os.path.join(ROOT, "producers/import/mappings")
LONG = os.path.join(MAPPINGS, "arendelista.json")
WIDE = os.path.join(MAPPINGS, "arendelista-per-arende.json")
ZONE = zoneinfo.ZoneInfo("Europe/Stockholm")
AS_OF = "2026-01-01T00:00:00+01:00"
YEAR = ["--municipalities", "2", "--from", "2025-01-01", "--days", "365"]


def run(args, inp=None, check=True, env=None):
    p = subprocess.run(args, input=inp, capture_output=True, env=env)
    if check and p.returncode != 0:
        raise AssertionError(f"{args}: exit {p.returncode}: {p.stderr.decode()[-2000:]}")
    return p


def local_minutes(t):
    """An RFC 3339 time as a case system shows it: local, to the minute."""
    d = datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(ZONE)
    return d.strftime("%Y-%m-%d %H:%M")


def columns(mapping):
    """The header: the columns the mapping names, in its order."""
    cols = []

    def add(v):
        c = v if isinstance(v, str) else v.get("column")
        if c and c not in cols:
            cols.append(c)
    for role in ("case", "municipality", "unit", "caseworker"):
        if role in mapping:
            add(mapping[role])
    for spec in mapping["events"]:
        if not isinstance(spec["type"], str):
            add(spec["type"])
        add(spec["time"])
        for v in spec.get("data", {}).values():
            add(v)
        for d in spec.get("data_by_type", {}).values():
            for v in d.values():
                add(v)
    return cols


def cell_of(spec_value, value):
    """The cell text a case system shows for a field's value: the mapping's
    label when it maps, local minutes for a time."""
    if isinstance(spec_value, str):
        return str(value)
    if "map" in spec_value:
        labels = [k for k, v in spec_value["map"].items() if v == value]
        assert labels, f"the mapping has no label for {value!r} ({spec_value['column']})"
        return labels[0]
    if spec_value.get("as") == "time":
        return local_minutes(value)
    return str(value)


def export_csv(events, mapping_path, path, extra_column=True):
    """The CSV of a case system's 'ärendelista': one row per event, Excel's
    Swedish dialect (UTF-8 with a byte order mark, ';', CRLF, quotes where
    needed, a column with decimal commas that the mapping ignores). Every
    data field of every event must have a column in the mapping (else the
    sample mapping is incomplete for the contract and this fails)."""
    mapping = json.load(open(mapping_path))
    spec = mapping["events"][0]
    cols = columns(mapping) + (["Timmar"] if extra_column else [])
    type_labels = {v: k for k, v in spec["type"]["map"].items()}
    rng = random.Random(1)

    def quote(s):
        return '"' + s.replace('"', '""') + '"' if any(c in s for c in ';"\r\n') else s
    lines = [";".join(quote(c) for c in cols)]
    for e in events:
        t = e["type"].removeprefix("se.casewatch.")
        d = dict(e["data"])
        row = {mapping["case"]: e["subject"], mapping["municipality"]: d.pop("municipality"),
               mapping["unit"]: d.pop("unit", ""), mapping["caseworker"]: d.pop("caseworker", ""),
               spec["type"]["column"]: type_labels[t], spec["time"]: local_minutes(e["time"]),
               "Timmar": f"{rng.randint(0, 40)},{rng.randint(0, 9)}"}
        fields = dict(spec["data"])
        fields.update(spec.get("data_by_type", {}).get(t, {}))
        for k, v in d.items():
            assert k in fields, f"{t}: data field {k!r} has no column in {mapping_path}"
            col = fields[k] if isinstance(fields[k], str) else fields[k]["column"]
            row[col] = cell_of(fields[k], v)
        lines.append(";".join(quote(row.get(c, "")) for c in cols))
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        f.write("\r\n".join(lines) + "\r\n")
    return cols


def simulate(tmp, seed, name="sim"):
    ev = os.path.join(tmp, f"{name}.jsonl")
    run([SIMULATE, "--seed", str(seed), *YEAR, "--output", ev])
    return ev, [json.loads(l) for l in open(ev)]


def audit(path, *extra):
    p = run([AUDIT, "--format", "json", "--as-of", AS_OF, "--from", "2000-01-01",
             "--to", "2100-12-31", *extra, path])
    m = json.loads(p.stdout)
    # the export keeps minutes only: times compare to the minute
    for k in ("first_event", "last_event", "export_last_event"):
        m["input"][k] = local_minutes(m["input"][k])
    for c in m["cases"].values():
        for e in c["events"]:
            e["time"] = local_minutes(e["time"])
    return m


def test_roundtrip(tmp):
    """Simulated events -> the CSV a case system would export -> import
    (JSON lines and Avro) -> audit: equal to the audit of the original
    events, for two seeds."""
    for seed in (3, 17):
        ev, events = simulate(tmp, seed, name=f"s{seed}")
        csv_path = os.path.join(tmp, f"arendelista-{seed}.csv")
        export_csv(events, LONG, csv_path)
        out = os.path.join(tmp, f"imported-{seed}.jsonl")
        rejects = os.path.join(tmp, f"rejects-{seed}.jsonl")
        p = run([IMPORT, "--mapping", LONG, "--output", out, "--rejects", rejects, csv_path])
        assert open(rejects).read() == "", open(rejects).read()[:500]
        assert f"{len(events)} rows, {len(events)} events, 0 rows rejected" in p.stderr.decode()
        imported = [json.loads(l) for l in open(out)]
        assert len(imported) == len(events)
        times = [e["time"] for e in imported]
        assert times == sorted(times, key=lambda t: datetime.datetime.fromisoformat(
            t.replace("Z", "+00:00"))), "not in time order"
        want, got = audit(ev), audit(out)
        assert want["totals"]["met_late"] > 100, want["totals"]
        for rw, rg in zip(want["rules"], got["rules"]):
            assert rw == rg, (seed, rw["rule"], rw["totals"], rg["totals"])
        assert want == got, f"seed {seed}: the audits differ"
        avro = os.path.join(tmp, f"imported-{seed}.avro")
        run([IMPORT, "--mapping", LONG, "--format", "avro", "--output", avro, csv_path])
        assert audit(avro, "--input-format", "avro") == want
        print(f"roundtrip seed {seed}: {len(events)} events through the CSV, the audit equal "
              f"({want['totals']['met_late']} late, {want['totals']['violations']} violations)")


def header_and_row(**cells):
    mapping = json.load(open(LONG))
    cols = columns(mapping)
    return cols, [cells.get(c, "") for c in cols]


GOOD = {"Ärendenummer": "1880-2025-00001", "Kommunkod": "1880", "Enhet": "Mottagning",
        "Handläggare": "hs-1", "Händelse": "Anmälan inkommen", "Datum": "2025-03-01 14:05",
        "Anmälan": "R1", "Barn (pseudonym)": "B-1", "Våld": "Nej", "Anmälare": "Skola"}


def write_rows(path, cols, rows, sep=";", encoding="utf-8-sig", eol="\r\n"):
    def quote(s):
        return '"' + s.replace('"', '""') + '"' if any(c in s for c in sep + '"\r\n') else s
    with open(path, "w", encoding=encoding, newline="") as f:
        f.write(eol.join(sep.join(quote(c) for c in r) for r in [cols] + rows) + eol)


def import_rows(tmp, rows_cells, name="t.csv", mapping=LONG, cols=None, **kw):
    mapping_cols = columns(json.load(open(mapping)))
    cols = cols or mapping_cols + ["Anteckning"]
    rows = [[r.get(c, "") for c in cols] if isinstance(r, dict) else r for r in rows_cells]
    path = os.path.join(tmp, name)
    write_rows(path, cols, rows, **kw)
    out, rej = os.path.join(tmp, "out.jsonl"), os.path.join(tmp, "rej.jsonl")
    p = run([IMPORT, "--mapping", mapping, "--output", out, "--rejects", rej, path], check=False)
    return (p, [json.loads(l) for l in open(out)] if os.path.exists(out) else [],
            [json.loads(l) for l in open(rej)] if os.path.exists(rej) else [])


def test_bad_rows(tmp):
    """Every kind of bad row goes to the rejection file with its physical
    line and reason (and the column), never its text; the good rows are
    imported; exit 3."""
    pnr = "121212-1212"  # the Tax Agency's well-known test number: a valid check digit
    cols = columns(json.load(open(LONG))) + ["Anteckning"]
    good = dict(GOOD)
    short = [good[c] if c in good else "" for c in cols][:5]
    rows = [
        dict(good, Anteckning="två rader\ni en cell"),                   # line 2-3: good
        dict(good, Datum="2025-02-30"),                                    # 4: bad date
        dict(good, Datum="1 mars 2025"),                                   # 5: bad date
        dict(good, Kommunkod="1234"),                                      # 6: unknown code
        dict(good, Anmälare="Grannen"),                                    # 7: unknown value
        dict(good, Händelse="Telefonsamtal"),                              # 8: unknown type
        short,                                                             # 9: missing column
        [good.get(c, "") for c in cols] + ["extra"],                       # 10: extra field
        dict(good, Anteckning=f"pnr {pnr} enligt anmälan"),                # 11: personnummer
        dict(good, **{"Barn (pseudonym)": "201212121212"}),               # 12: 12 digits
        dict(good, Datum=""),                                              # 13: missing value
        dict(good, Anmälan=""),                                            # 14: bad event
        dict(good, Ärendenummer="1880-2025-00002", Datum="2025-03-02"),   # 15: good
        {c: "" for c in cols},                                             # 16: empty: skipped
    ]
    p, events, rejected = import_rows(tmp, rows)
    assert p.returncode == 3, (p.returncode, p.stderr)
    assert [e["subject"] for e in events] == ["1880-2025-00001", "1880-2025-00002"], events
    got = [(r["line"], r["reason"], r["column"]) for r in rejected]
    want = [(4, "bad_date", "Datum"), (5, "bad_date", "Datum"), (6, "unknown_code", "Kommunkod"),
            (7, "unknown_code", "Anmälare"), (8, "unknown_code", "Händelse"),
            (9, "missing_column", cols[5]), (10, "extra_fields", None),
            (11, "personal_identity_number", "Anteckning"),
            (12, "personal_identity_number", "Barn (pseudonym)"),
            (13, "missing_value", "Datum"), (14, "bad_event", None)]
    assert got == want, got
    assert all(r["file"] == "t.csv" and r["detail"] for r in rejected), rejected
    assert "report_id" in rejected[-1]["detail"], rejected[-1]
    err = p.stderr.decode()
    assert "13 rows, 2 events, 11 rows rejected" in err and "1 empty rows skipped" in err, err
    assert "2 personal_identity_number" in err and "personal identity number" in err, err
    # the number itself is nowhere: not in the rejections, the events or stderr
    everything = open(os.path.join(tmp, "rej.jsonl")).read() + err + \
        open(os.path.join(tmp, "out.jsonl")).read()
    assert "1212" not in everything, "a personal identity number was copied"
    # an unterminated quote: the rest of the file is that record
    path = os.path.join(tmp, "q.csv")
    with open(path, "w", encoding="utf-8") as f:
        f.write(";".join(cols) + "\n" + ";".join(GOOD.get(c, "") for c in cols) + "\n"
                + '1880-2025-9;"1880;' + "\n")
    p = run([IMPORT, "--mapping", LONG, "--output", os.path.join(tmp, "q.jsonl"), path],
            check=False)
    assert p.returncode == 3 and '"line":3,"reason":"bad_csv"' in p.stderr.decode(), p.stderr
    print(f"bad rows: {len(want)} rejected with line, reason and column; 2 imported; "
          "no number copied")


def luhn_ok(ten):
    s = 0
    for i, ch in enumerate(ten):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        s += d - 9 if d > 9 else d
    return s % 10 == 0


def with_check(nine):
    return next(nine + str(c) for c in range(10) if luhn_ok(nine + str(c)))


def test_pin(tmp):
    """Personal identity numbers in every form are refused, in any column;
    ordinary numbers of the same length are not (Luhn and the date)."""
    rng = random.Random(7)
    refused, allowed = [], []
    for _ in range(20):
        yy, mm, dd = rng.randint(0, 99), rng.randint(1, 12), rng.randint(1, 28)
        nine = f"{yy:02d}{mm:02d}{dd:02d}{rng.randint(0, 999):03d}"
        ten = with_check(nine)
        wrong = nine + str((int(ten[-1]) + 1) % 10)
        century = "19" if yy > 30 else "20"
        refused += [f"{ten[:6]}-{ten[6:]}", ten, f"{century}{ten}", f"{century}{ten[:6]}-{ten[6:]}",
                    f"{ten[:6]}+{ten[6:]}"]
        allowed += [f"{wrong[:6]}-{wrong[6:]}", wrong, f"{century}{wrong}"]
        samord = with_check(f"{yy:02d}{mm:02d}{dd + 60:02d}{rng.randint(0, 999):03d}")
        refused.append(f"{samord[:6]}-{samord[6:]}")
    # never a date: month 13+ (an organisationsnummer has 20+), or digits joined to more digits
    pin = refused[0]
    allowed += ["5560360793", "556036-0793",  # an organisationsnummer: month 60
                "1880-2025-00239", "12345678901234", "2025-03-01", "070-123 45 67",
                pin + "5", "7" + pin.replace("-", ""),  # digits joined to more digits
                "B-" + pin.replace("-", ""), pin.replace("-", "") + "ab",  # inside identifiers
                "x" + pin]
    refused += [f"({pin})", "pnr:" + pin.replace("-", ""), pin + "."]
    assert luhn_ok("5560360793")  # refused for its date, not its check digit
    rows = [dict(GOOD, Ärendenummer=f"1880-2025-{i:05d}", Anteckning=s)
            for i, s in enumerate(refused + allowed)]
    p, events, rejected = import_rows(tmp, rows)
    assert p.returncode == 3
    bad = {r["line"] for r in rejected}
    assert all(r["reason"] == "personal_identity_number" for r in rejected), rejected[:3]
    for i, s in enumerate(refused + allowed):
        assert ((i + 2) in bad) == (i < len(refused)), (s, "refused" if i + 2 in bad else "taken")
    assert len(events) == len(allowed)
    print(f"pin: {len(refused)} personal identity numbers refused, {len(allowed)} other numbers "
          "taken")


def test_dialect(tmp):
    """Excel's Swedish dialect and its neighbours: Windows-1252 without a
    byte order mark, ',' with quoted fields (a ';' and a line break inside,
    doubled quotes), LF line ends, the delimiter detected, dates alone or
    with minutes or seconds, a kommunkod that lost its leading zero."""
    rows = [dict(GOOD, Datum="2025-03-01", Kommunkod="180", Anteckning='sa "hej"; sen\ngick'),
            dict(GOOD, Datum="2025-03-01 08:30", Ärendenummer="1880-2025-00002"),
            dict(GOOD, Datum="2025-07-01 08:30:15", Ärendenummer="1880-2025-00003",
                 Anteckning="3,5")]
    want = [("1880-2025-00001", "2025-02-28T23:00:00Z", "0180"),
            ("1880-2025-00002", "2025-03-01T07:30:00Z", "1880"),
            ("1880-2025-00003", "2025-07-01T06:30:15Z", "1880")]
    for kw in ({"encoding": "cp1252"}, {"sep": ",", "eol": "\n", "encoding": "utf-8"},
               {"sep": "\t"}):
        p, events, rejected = import_rows(tmp, rows, **kw)
        assert p.returncode == 0 and not rejected, (kw, p.stderr, rejected)
        got = [(e["subject"], e["time"], e["data"]["municipality"]) for e in events]
        assert got == want, (kw, got)
        assert events[0]["data"]["unit"] == "Mottagning"
    # a delimiter the mapping fixes is not detected
    m = dict(json.load(open(LONG)), delimiter=";")
    fixed = os.path.join(tmp, "fixed.json")
    json.dump(m, open(fixed, "w"))
    p, _, _ = import_rows(tmp, rows, mapping=fixed, sep=",")
    assert p.returncode == 1 and b"the header has no column" in p.stderr, p.stderr
    print("dialect: Windows-1252, ',' and tab with quoting, LF; dates, minutes, seconds; 180 = 0180")


def test_per_case(tmp):
    """The one-row-per-case sample: each dated step is an event, an empty
    date is a step not taken; the events replay without a rejection."""
    mapping = json.load(open(WIDE))
    cols = columns(mapping)
    cases = [
        {"Ärendenummer": "2180-2025-1", "Kommun": "2180", "Enhet": "Mottagning",
         "Handläggare": "hs-9", "Anmälan": "A1", "Barn (pseudonym)": "B-7", "Våld": "Ja",
         "Anmälan inkom": "2025-02-03 09:10", "Skyddsbedömning": "2025-02-03 11:00",
         "Utredning inledd": "2025-02-14", "Utredning": "U1", "Barnet hört": "2025-03-20",
         "Utredning avslutad": "2025-06-30", "Resultat": "Insats",
         "Ärendet avslutat": "2025-07-01"},
        {"Ärendenummer": "2180-2025-2", "Kommun": "2180", "Enhet": "Mottagning",
         "Anmälan": "A2", "Barn (pseudonym)": "B-8", "Anmälan inkom": "2025-02-04",
         "Skyddsbedömning": "2025-02-04", "Beslut att inte inleda": "2025-02-10",
         "Orsak": "no_need", "Ärendet avslutat": "2025-02-10"},
    ]
    p, events, rejected = import_rows(tmp, cases, mapping=WIDE, cols=cols)
    assert p.returncode == 0 and not rejected, (p.stderr, rejected)
    got = [(e["subject"], e["type"].removeprefix("se.casewatch."), local_minutes(e["time"]))
           for e in events]
    assert got == [
        ("2180-2025-1", "report.received", "2025-02-03 09:10"),
        ("2180-2025-1", "protection.assessed", "2025-02-03 11:00"),
        ("2180-2025-2", "report.received", "2025-02-04 00:00"),
        ("2180-2025-2", "protection.assessed", "2025-02-04 00:00"),
        ("2180-2025-2", "investigation.not_opened", "2025-02-10 00:00"),
        ("2180-2025-2", "case.closed", "2025-02-10 00:00"),
        ("2180-2025-1", "investigation.opened", "2025-02-14 00:00"),
        ("2180-2025-1", "child.heard", "2025-03-20 00:00"),
        ("2180-2025-1", "investigation.concluded", "2025-06-30 00:00"),
        ("2180-2025-1", "case.closed", "2025-07-01 00:00")], got
    assert events[0]["data"]["violence"] is True and events[-2]["data"]["outcome"] == "measures"
    out = os.path.join(tmp, "out.jsonl")
    m = json.loads(run([AUDIT, "--format", "json", out]).stdout)
    assert m["input"]["rejected"] == 0 and m["input"]["events"] == 10, m["input"]
    # a step's date without its id: the contract refuses the event, the row is rejected
    p, events, rejected = import_rows(tmp, [dict(cases[0], Utredning="")], mapping=WIDE, cols=cols)
    assert p.returncode == 3 and [r["reason"] for r in rejected] == ["missing_value"], rejected
    print(f"per case: 2 cases, {len(got)} events in time order, audited without a rejection")


def test_garbage(tmp):
    """Mutated exports (bytes flipped, inserted, cut; quotes and delimiters
    sprinkled) never crash the importer: it ends with 0, 1 or 3, and every
    non-empty row it read is either imported or rejected, never dropped."""
    ev, events = simulate(tmp, 11, name="g")
    base = os.path.join(tmp, "base.csv")
    export_csv(events[:300], LONG, base)
    data = open(base, "rb").read()
    rng = random.Random(5)
    for i in range(150):
        b = bytearray(data)
        for _ in range(rng.randint(1, 12)):
            op, at = rng.randint(0, 3), rng.randrange(len(b))
            if op == 0:
                b[at] = rng.randrange(256)
            elif op == 1:
                b[at:at] = bytes(rng.choice([b'"', b";", b"\r\n", b"\x00", b"\xff", b","]))
            elif op == 2:
                del b[at:at + rng.randint(1, 40)]
            else:
                b = b[:at]
        path = os.path.join(tmp, "m.csv")
        open(path, "wb").write(bytes(b))
        out, rej = os.path.join(tmp, "m.jsonl"), os.path.join(tmp, "m.rej")
        p = run([IMPORT, "--mapping", LONG, "--output", out, "--rejects", rej, path], check=False)
        assert p.returncode in (0, 1, 3), (i, p.returncode, p.stderr[-500:])
        if p.returncode == 1:
            assert b"header" in p.stderr, (i, p.stderr)  # only a broken header stops it
            continue
        m = __import__("re").search(rb"(\d+) rows, (\d+) events, (\d+) rows rejected", p.stderr)
        rows, n_events, n_rejected = map(int, m.groups())
        lines = open(rej).read().splitlines()
        assert len(lines) == n_rejected and sum(1 for _ in open(out)) == n_events
        # each row: its one event or its one rejection
        assert n_events + n_rejected == rows, (i, rows, n_events, n_rejected)
    print("garbage: 150 mutated exports, no crash, every row imported or rejected")


def test_usage(tmp):
    ev = os.path.join(tmp, "x.csv")
    cols = columns(json.load(open(LONG)))
    write_rows(ev, cols, [[GOOD.get(c, "") for c in cols]])
    for bad in ([], ["--format", "xml", "--mapping", LONG], ["--nope"]):
        p = run([IMPORT, *bad, ev], check=False)
        assert p.returncode == 2 and b"usage" in p.stderr, (bad, p.stderr)

    def mapping_error(m, want):
        path = os.path.join(tmp, "m.json")
        json.dump(m, open(path, "w"))
        p = run([IMPORT, "--mapping", path, ev], check=False)
        assert p.returncode == 1 and want in p.stderr.decode(), (want, p.stderr)
    base = json.load(open(LONG))
    mapping_error(dict(base, colour="blå"), 'unknown key "colour"')
    spec = dict(base["events"][0], type="report.sent")
    mapping_error(dict(base, events=[spec]), 'unknown event type "report.sent"')
    spec = dict(base["events"][0], time={"column": "Datum", "as": "weekday"})
    mapping_error(dict(base, events=[spec]), "events[0].time")
    mapping_error(dict(base, case="Ärende-id"), 'the header has no column "Ärende-id" (case)')
    p = run([IMPORT, "--mapping", LONG, os.path.join(tmp, "missing.csv")], check=False)
    assert p.returncode == 1, p.returncode
    p = run([IMPORT, "--mapping", LONG], inp=b"", check=False)
    assert p.returncode == 1 and b"no header" in p.stderr, p.stderr
    print("usage: bad options 2; mapping errors name the key; a missing header column 1")


if __name__ == "__main__":
    name = sys.argv[2]
    with tempfile.TemporaryDirectory(prefix=f"import_{name}.") as tmp:
        globals()[f"test_{name}"](tmp)
