"""Interop with standard Avro writers (issue 17, item 4): every event type,
converted from its JSON form to a plain dict (the JSON event with `time`,
`until` and `executed_at` as datetime/date objects, nothing else), is
written by a standard writer without naming any union branch, and must
give exactly the JSON replay's alerts.

Writers:
  python3-avro   Debian's avro (/usr/bin/python3): plain avro.io.DatumWriter,
                 container files and Confluent-framed messages (id 4)
  fastavro       fastavro.writer container files, schemaless_writer framed
  confluent      confluent-kafka's AvroSerializer with its mock Schema
                 Registry client: framed messages with the mock's id
Sources: every scenario under tests/scenarios and a simulated caseload.
Container files go through casewatch-replay --input-format avro; framed
messages through the processor's decoder (avro_tool wire), whose events
are replayed as JSON.

  resolution     (fastavro) data written with the v1 schema (the fixtures
                 of today's producers) read with case_event.avsc as the
                 reader schema: Avro schema resolution through the aliases

usage: test_interop.py BUILD_DIR WRITER"""
import datetime
import glob
import io
import json
import os
import re
import subprocess
import sys
import tempfile

BUILD = sys.argv[1]
WRITER = sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCHEMA_PATH = os.path.join(ROOT, "schemas/case_event.avsc")
SCHEMA_TEXT = open(SCHEMA_PATH).read()
TOOL = os.path.join(BUILD, "tests/avro/avro_tool")
REPLAY = os.path.join(BUILD, "consumers/replay/casewatch-replay")
SIMULATE = os.path.join(BUILD, "producers/simulate/casewatch-simulate")
FIXTURES = os.path.join(HERE, "fixtures")
BUILTIN_ID = 4  # CW_SCHEMA_ID_EVENT


def catalogue():
    """The event types of this build (common/model/event.h)."""
    text = open(os.path.join(ROOT, "common/model/event.h")).read()
    block = text[text.index("#define CW_EVENT_TYPES(X)"):text.index("typedef enum")]
    return set(re.findall(r'X\(\w+, "([a-z_.]+)"\)', block))


def parse_instant(s):
    t = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    if t.tzinfo is None:
        raise ValueError("no offset")
    return t


ENVELOPE = ("specversion", "id", "source", "type", "time", "subject", "data")


def plain_dict(ev):
    """What an integrator hands a writer: the JSON event, with the instants
    and the date as Python objects, and without the JSON-only attribute
    datacontenttype (python3-avro refuses a dict with keys its record does
    not have; fastavro and the Confluent serializer ignore them). No branch
    names, nothing else from the schema."""
    d = {k: v for k, v in ev.items() if k in ENVELOPE}
    if isinstance(d.get("time"), str):
        d["time"] = parse_instant(d["time"])
    data = d.get("data")
    if isinstance(data, dict):
        data = dict(data)
        if isinstance(data.get("until"), str):
            data["until"] = datetime.date.fromisoformat(data["until"])
        if isinstance(data.get("executed_at"), str):
            data["executed_at"] = parse_instant(data["executed_at"])
        d["data"] = data
    return d


def run(args, inp=None):
    p = subprocess.run(args, input=inp, capture_output=True,
                       text=isinstance(inp, str) or inp is None)
    if p.returncode != 0:
        raise AssertionError(f"{args}: exit {p.returncode}: {p.stderr}")
    return p


def tool(mode, lines, *extra):
    return run([TOOL, mode, *extra], "".join(l + "\n" for l in lines)).stdout.splitlines()


def sources():
    """(name, JSON lines, replay --until or None): the scenarios and a
    simulated caseload."""
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/scenarios/*.scn"))):
        lines, until = [], None
        for line in open(path, encoding="utf-8"):
            if line.startswith("event "):
                lines.append(line[len("event "):].strip())
            elif line.startswith("until "):
                until = line.split(None, 1)[1].strip()
        out.append((os.path.basename(path), lines, until))
    sim = run([SIMULATE, "--seed", "4", "--municipality", "2480", "--from", "2024-01-01",
               "--days", "90", "--history-years", "1", "--as-fast-as-possible",
               "--format", "json"]).stdout.splitlines()
    out.append(("simulated caseload", sim, "2024-04-01T00:00:00+02:00"))
    return out


# ---- the writers: each returns (container file bytes or None, framed messages, schema id) ----

class Unwritable(Exception):
    pass


def writer_python3_avro():
    import avro.datafile
    import avro.io
    import avro.schema
    schema = avro.schema.parse(SCHEMA_TEXT)

    def datum(d):
        buf = io.BytesIO()
        try:
            avro.io.DatumWriter(schema).write(d, avro.io.BinaryEncoder(buf))
        except (avro.errors.AvroException, TypeError, ValueError, AttributeError) as e:
            raise Unwritable(e)
        return buf.getvalue()

    def container(dicts, codec):
        f = io.BytesIO()
        w = avro.datafile.DataFileWriter(f, avro.io.DatumWriter(), schema, codec=codec)
        for d in dicts:
            w.append(d)
        w.flush()
        data = f.getvalue()
        return data

    def framed(d):
        return b"\x00" + BUILTIN_ID.to_bytes(4, "big") + datum(d)

    return datum, container, framed, None


def writer_fastavro():
    import fastavro
    schema = fastavro.parse_schema(json.loads(SCHEMA_TEXT))

    def datum(d):
        buf = io.BytesIO()
        try:
            fastavro.schemaless_writer(buf, schema, d)
        except (ValueError, TypeError, AttributeError, KeyError) as e:
            raise Unwritable(e)
        return buf.getvalue()

    def container(dicts, codec):
        f = io.BytesIO()
        fastavro.writer(f, schema, dicts, codec=codec)
        return f.getvalue()

    def framed(d):
        return b"\x00" + BUILTIN_ID.to_bytes(4, "big") + datum(d)

    return datum, container, framed, None


def writer_confluent():
    from confluent_kafka.schema_registry._sync.mock_schema_registry_client import \
        MockSchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext
    from confluent_kafka.schema_registry.error import SchemaRegistryError
    from confluent_kafka.error import SerializationError

    client = MockSchemaRegistryClient({"url": "mock://casewatch"})
    ser = AvroSerializer(client, SCHEMA_TEXT)
    ctx = SerializationContext("case-events", MessageField.VALUE)
    state = {}

    def framed(d):
        try:
            msg = ser(d, ctx)
        except (SerializationError, SchemaRegistryError, ValueError, TypeError) as e:
            raise Unwritable(e)
        sid = int.from_bytes(msg[1:5], "big")
        if "id" not in state:
            # the id the serializer registered case_event.avsc under
            registered = client.get_schema(sid)
            assert registered.schema_type == "AVRO"
            assert json.loads(registered.schema_str) == json.loads(SCHEMA_TEXT)
            assert client.get_latest_version("case-events-value").schema_id == sid
            state["id"] = sid
        assert msg[0] == 0 and sid == state["id"], msg[:5]
        return msg

    return None, None, framed, state


WRITERS = {"python3_avro": writer_python3_avro, "fastavro": writer_fastavro,
           "confluent": writer_confluent}


def rejections(stderr):
    return [(r["event_id"], r["offset"], r["reason"]) for r in map(json.loads, stderr.splitlines())]


def test_writer(name):
    datum, container, framed, state = WRITERS[name]()
    want_types = catalogue()
    tmp = tempfile.mkdtemp()
    written_types, json_valid_types = set(), set()
    n_events = n_unwritable = n_alerts = n_files = 0
    for i, (src, lines, until) in enumerate(sources()):
        extra = ["--until", until] if until else []
        verdicts = tool("json", lines)  # what the JSON decoder says of each line
        kept, dicts, msgs = [], [], []
        for line, verdict in zip(lines, verdicts):
            try:
                ev = json.loads(line)
                d = plain_dict(ev)
                msg = framed(d)
            except (Unwritable, ValueError, TypeError, AttributeError) as e:
                # only events the JSON decoder rejects may have no Avro form
                assert verdict.startswith("REJECT"), f"{src}: {name} cannot write {line}: {e}"
                n_unwritable += 1
                continue
            kept.append(line)
            dicts.append(d)
            msgs.append(msg)
            if not verdict.startswith("REJECT"):
                json_valid_types.add(ev["type"][len("se.casewatch."):])
            written_types.add(ev["type"][len("se.casewatch."):] if isinstance(ev.get("type"), str)
                              else None)
        n_events += len(kept)
        jfile = os.path.join(tmp, f"{i}.jsonl")
        open(jfile, "w").write("".join(l + "\n" for l in kept))
        j = run([REPLAY, *extra, jfile])
        n_alerts += len(j.stdout.splitlines())

        # framed messages: the processor's decoder, event by event
        local = [] if state is None else ["--local", f"{state['id']}={SCHEMA_PATH}"]
        got = tool("wire", [m.hex() for m in msgs], *local)
        want = tool("json", kept)
        assert len(got) == len(want) == len(kept)
        for line, w, g in zip(kept, want, got):
            if w.startswith("REJECT"):
                assert g.split()[:2] == w.split()[:2], f"{src}: {line}\nJSON: {w}\n{name}: {g}"
            else:
                assert g == w, f"{src}: {line}\nJSON: {w}\n{name}: {g}"
        # ... and the decoded events replayed: the same alerts byte for byte
        dfile = os.path.join(tmp, f"{i}.decoded.jsonl")
        open(dfile, "w").write("".join(g + "\n" for g in got if not g.startswith("REJECT")))
        jv = run([REPLAY, *extra, dfile])
        assert jv.stdout == j.stdout, f"{src}: alerts differ\nJSON:\n{j.stdout}\n{name}:\n{jv.stdout}"

        # container files: casewatch-replay reads them itself
        if container:
            afile = os.path.join(tmp, f"{i}.avro")
            open(afile, "wb").write(container(dicts, "deflate" if i % 2 else "null"))
            a = run([REPLAY, *extra, "--input-format", "avro", afile])
            assert a.stdout == j.stdout, f"{src}: alerts differ\nJSON:\n{j.stdout}\n{name}:\n{a.stdout}"
            assert rejections(a.stderr) == rejections(j.stderr), \
                f"{src}: rejections differ\n{rejections(j.stderr)}\n{rejections(a.stderr)}"
            n_files += 1
    missing = want_types - json_valid_types
    assert not missing, f"{name}: event types never written valid: {sorted(missing)}"
    assert n_alerts > 200, n_alerts
    print(f"{name}: {len(json_valid_types)} of {len(want_types)} event types, {n_events} events "
          f"({n_unwritable} invalid ones have no Avro form), {n_alerts} alerts equal to the JSON "
          f"replay's, framed through the decoder" + (f" and in {n_files} container files"
                                                     if n_files else ""))


def test_resolution():
    """v1 data (written by today's producers with schema id 1) read by a
    standard reader with case_event.avsc as the reader schema: fastavro
    resolves the v1 per-type records to EventData through its aliases. Each
    record read equals the plain dict of its JSON twin, with absent fields
    null, and the new schema writes it back to what casewatch decodes as
    the same event."""
    import fastavro
    new = json.loads(SCHEMA_TEXT)
    n = 0
    for base in ("v1_scenarios", "v1_sim"):
        # the JSON twins as casewatch decodes them (defaults filled)
        lines = open(os.path.join(FIXTURES, base + ".jsonl")).read().splitlines()
        twins = [json.loads(l) for l in tool("json", lines)]
        with open(os.path.join(FIXTURES, base + ".avro"), "rb") as f:
            r = fastavro.reader(f, reader_schema=new)
            assert json.loads(r.metadata["avro.schema"])["fields"][-1]["type"][0]["name"] == \
                "ReportReceived", "the fixture is not v1 data"
            got = list(r)
        assert len(got) == len(twins), (len(got), len(twins))
        fields = [f["name"] for f in new["fields"][-1]["type"]["fields"]]
        for g, t in zip(got, twins):
            w = plain_dict(t)
            w["data"] = {k: w["data"].get(k) for k in fields}
            if g != w:
                raise AssertionError(f"{base}: resolved\n{g}\nJSON twin\n{w}")
            n += 1
    print(f"{n} v1 events resolved by fastavro against case_event.avsc, equal to their JSON twins")


if __name__ == "__main__":
    if WRITER == "resolution":
        test_resolution()
    else:
        test_writer(WRITER)
