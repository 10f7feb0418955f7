#!/usr/bin/python3
"""casewatch-processor on the embedded broker (issue 6). Each test starts its
own broker on a free loopback port and stops it afterwards.

Usage: test_processor.py BUILD_DIR TEST_NAME"""
import collections
from contextlib import nullcontext
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
os.environ["CW_BUILD"] = sys.argv[1]
import harness as h  # noqa: E402

TOPICS = lambda n: {"case-events": n, "case-alerts": n, "casewatch-state": n,  # noqa: E731
                    "case-events-dlq": 1}
CLOCK = "2026-06-01T00:00:00+02:00"  # the pinned wall clock: everything due by then fires
ROOT = os.path.join(os.path.dirname(__file__), "..", "..")


def generated(cases, seed=1):
    out = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "tests/bench/gen_events.py"),
                          str(cases), str(seed)], capture_output=True, check=True, text=True)
    return out.stdout.splitlines()


def clock_file(tmp, when):
    path = os.path.join(tmp, "clock")
    with open(path + ".new", "w") as f:
        f.write(when + "\n")
    os.replace(path + ".new", path)
    return path


def ids(alerts):
    return {a["id"]: a for a in alerts}


def expect_same(expected, got, what):
    e, g = ids(expected), ids(got)
    missing = [e[i] for i in e if i not in g]
    extra = [g[i] for i in g if i not in e]
    assert not missing and not extra, (
        f"{what}: {len(missing)} missing, {len(extra)} extra (of {len(e)}); e.g. "
        f"missing {json.dumps(missing[:2])[:600]} extra {json.dumps(extra[:2])[:600]}")


def test_e2e_generated(tmp):
    """The processor finds exactly the alerts of casewatch-replay."""
    lines = generated(600)
    expected = h.replay_per_partition(lines, 6, CLOCK)
    b = h.Broker(TOPICS(6))
    try:
        h.produce(b.bootstrap, "case-events", lines, h.partition_of(6))
        p = h.Processor(b, tmp, "p1", {"processor.clock_file": clock_file(tmp, CLOCK)})
        got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", 6, want=len(expected)))
        assert p.stop() == 0, p.logtext()[-2000:]
        expect_same(expected, got, "e2e")
        assert len(got) == len(expected), f"{len(got)} alerts for {len(expected)} ids"
        assert "leaving the group" in p.logtext()
    finally:
        b.stop()


def test_live_clock(tmp):
    """A report with no follow-up on an idle partition gets its breach when
    the clock passes the deadline, with no further event."""
    b = h.Broker(TOPICS(1))
    try:
        clock = clock_file(tmp, "2025-06-02T09:00:00+02:00")
        h.produce(b.bootstrap, "case-events", [
            h.event(1, "2025-06-02T09:00:00+02:00", "report.received", "C1", report_id="R1",
                    child="B1"),
            h.event(2, "2025-06-02T10:00:00+02:00", "protection.assessed", "C1",
                    report_id="R1")])
        p = h.Processor(b, tmp, "p1", {"processor.clock_file": clock})
        assert h.wait_for(lambda: "applied=2" in p.logtext()), p.logtext()[-2000:]
        time.sleep(1)
        assert h.read_all(b.bootstrap, "case-alerts", 1, idle_s=1) == []
        # nominal due 2025-06-16 (Monday): warning at the start of 06-13
        clock_file(tmp, "2025-06-12T23:59:00+02:00")
        time.sleep(1)
        assert h.read_all(b.bootstrap, "case-alerts", 1, idle_s=1) == []
        clock_file(tmp, "2025-06-13T00:00:00+02:00")
        got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", 1, want=1, idle_s=1))
        assert [(a["kind"], a["rule"], a["due"]) for a in got] == [
            ("warning", "preassessment_14d", "2025-06-16")], got
        clock_file(tmp, "2025-06-17T00:00:00+02:00")  # the day after the due date
        got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", 1, want=2, idle_s=1))
        breach = got[-1]
        assert (breach["kind"], breach["rule"]) == ("breach", "preassessment_14d"), got
        assert breach["at"] == "2025-06-17T00:00:00+02:00" and breach["days_overdue"] == 1, breach
        assert p.stop() == 0
    finally:
        b.stop()


def test_group_kill9(tmp):
    """Three processors in one group; one is killed with SIGKILL mid-stream.
    The survivors restore its partitions; the alert ids equal the
    uninterrupted run's (duplicates only with equal ids)."""
    lines = generated(2500, seed=5)
    expected = h.replay_per_partition(lines, 6, CLOCK)
    b = h.Broker(TOPICS(6))
    # No wall clock while input is still coming: a caught-up partition would
    # rightly go live at the pinned "now" between chunks. Pinned at the end.
    clock = clock_file(tmp, "")
    try:
        third = len(lines) // 3
        h.produce(b.bootstrap, "case-events", lines[:third], h.partition_of(6))
        extra = {"processor.clock_file": clock, "processor.batch_max": "50"}
        ps = [h.Processor(b, tmp, f"p{i}", extra) for i in range(3)]
        assert h.wait_for(lambda: all("restored partition" in p.logtext() for p in ps), 60)
        h.produce(b.bootstrap, "case-events", lines[third:2 * third], h.partition_of(6))
        assert h.wait_for(lambda: "applied=" in ps[0].logtext() and
                          ps[0].logtext().count("consumed=") > 1, 60)
        ps[0].kill9()
        h.produce(b.bootstrap, "case-events", lines[2 * third:], h.partition_of(6))
        h.read_all(b.bootstrap, "case-alerts", 6, idle_s=6)  # until the survivors are idle
        clock_file(tmp, CLOCK)
        got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", 6, want=len(expected),
                                     idle_s=4))
        for p in ps[1:]:
            assert p.stop() == 0, p.logtext()[-2000:]
        expect_same(expected, got, "kill -9")
        dups = len(got) - len(ids(got))
        print(f"kill9: {len(expected)} alerts expected, {len(ids(got))} distinct, "
              f"{dups} duplicates (same ids), 0 lost")
    finally:
        b.stop()


def changelog_state(bootstrap, parts):
    """The changelog as compaction will leave it: the last record per key
    (a tombstone removes the key)."""
    state = {}
    for m in h.read_all(bootstrap, "casewatch-state", parts, idle_s=1):
        if m.value() is None:
            state.pop(m.key(), None)
        else:
            state[m.key()] = m.value()
    return state


def test_fault_kill9(tmp):
    """kill -9 of the processor at 20 random points of a stream (seeded),
    some during restore, each followed by a restart: the alert ids equal the
    uninterrupted run's (duplicates only with equal ids) and so does the
    case state in the changelog."""
    import random
    rnd = random.Random(int(os.environ.get("CW_FAULT_SEED", "2026")))
    lines = generated(1500, seed=9)
    expected = h.replay_per_partition(lines, 4, CLOCK)
    # Static membership: a restarted member takes its place at once instead
    # of waiting out the dead one's session.
    fast = {"processor.batch_max": "40", "kafka.group.instance.id": "cw-fault"}
    # The uninterrupted run: its changelog is the reference state.
    b = h.Broker(TOPICS(4))
    try:
        h.produce(b.bootstrap, "case-events", lines, h.partition_of(4))
        p = h.Processor(b, tmp, "ref", dict(fast, **{"processor.clock_file":
                                                     clock_file(tmp, CLOCK)}))
        h.read_all(b.bootstrap, "case-alerts", 4, want=len(expected), idle_s=2)
        assert p.stop() == 0, p.logtext()[-2000:]
        reference = changelog_state(b.bootstrap, 4)
    finally:
        b.stop()
    b = h.Broker(TOPICS(4))
    clock = clock_file(tmp, "")  # no wall clock until all input is in
    kills, chunks = 20, 21
    try:
        size = len(lines) // chunks + 1
        for k in range(kills):
            h.produce(b.bootstrap, "case-events", lines[k * size:(k + 1) * size],
                      h.partition_of(4))
            p = h.Processor(b, tmp, f"k{k}", dict(fast, **{"processor.clock_file": clock}))
            time.sleep(rnd.uniform(0.2, 2.5))
            p.kill9()
        h.produce(b.bootstrap, "case-events", lines[kills * size:], h.partition_of(4))
        p = h.Processor(b, tmp, "last", dict(fast, **{"processor.clock_file": clock}))
        h.read_all(b.bootstrap, "case-alerts", 4, idle_s=3)  # caught up
        clock_file(tmp, CLOCK)
        got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", 4, want=len(expected),
                                     idle_s=3))
        assert p.stop() == 0, p.logtext()[-2000:]
        state = changelog_state(b.bootstrap, 4)
    finally:
        b.stop()
    expect_same(expected, got, "20 x kill -9")
    lost = len(ids(expected)) - len(set(ids(expected)) & set(ids(got)))
    dups = len(got) - len(ids(got))
    same = [a for a in got if ids(got)[a["id"]] != a]
    assert not same
    assert state == reference, (f"changelog differs: {len(state)} keys vs {len(reference)}; "
                                f"{sum(1 for k in reference if state.get(k) != reference[k])} differ")
    print(f"fault kill9: runs 1, faults {kills} kill -9, alerts expected {len(expected)}, "
          f"lost {lost}, duplicates {dups} (equal ids); changelog: {len(state)} cases equal")


EOS = {"processor.mode": "exactly_once", "processor.batch_max": "40",
       "kafka.transaction.timeout.ms": "20000"}


def exactly_once_check(expected, bootstrap, parts, what):
    """A read_committed reader sees every alert id of the replay exactly
    once and nothing else; returns (alerts, records of aborted transactions
    in the alert topic)."""
    got = h.alerts_of(h.read_all(bootstrap, "case-alerts", parts, want=len(expected), idle_s=3))
    expect_same(expected, got, what)
    dups = collections.Counter(a["id"] for a in got)
    twice = [i for i, n in dups.items() if n > 1]
    assert not twice, f"{what}: {len(twice)} alert ids more than once, e.g. {twice[:3]}"
    raw = h.read_all(bootstrap, "case-alerts", parts, idle_s=1, isolation="read_uncommitted")
    return got, len(raw) - len(got)


def commits_in_transactions(b, what):
    """Every offset commit of the processor's group is inside a transaction
    (a transactional batch of __consumer_offsets), none beside one."""
    commits = b.offset_commits("casewatch-processor")
    beside = [tp for txn, tp in commits if not txn]
    assert commits, f"{what}: no offset commit of the group found"
    assert not beside, (f"{what}: {len(beside)} of {len(commits)} offset commits outside a "
                        f"transaction, e.g. {beside[:4]}")
    return len(commits)


def test_eos_kill9(tmp):
    """exactly_once on real Kafka: kill -9 of the processor at 20 seeded
    points of a stream, each followed by a restart with the same
    transactional id. A read_committed reader sees every alert id exactly
    once and the set equals the replay's; some kills were inside an open
    transaction (its records are in the log, aborted) and the restart
    fenced it; the changelog a read_committed reader sees equals an
    uninterrupted run's."""
    import random
    assert h.REAL, "exactly_once needs real Kafka (label kafka_real)"
    rnd = random.Random(int(os.environ.get("CW_FAULT_SEED", "2026")))
    lines = generated(1500, seed=9)
    expected = h.replay_per_partition(lines, 4, CLOCK)
    eos = dict(EOS, **{"kafka.group.instance.id": "cw-eos", "kafka.transactional.id": "cw-eos"})
    with h.Broker(TOPICS(4)) as b:
        h.produce(b.bootstrap, "case-events", lines, h.partition_of(4))
        p = h.Processor(b, tmp, "ref", dict(eos, **{"processor.clock_file":
                                                    clock_file(tmp, CLOCK)}))
        h.read_all(b.bootstrap, "case-alerts", 4, want=len(expected), idle_s=2)
        assert p.stop() == 0, p.logtext()[-2000:]
        reference = changelog_state(b.bootstrap, 4)
    with h.Broker(TOPICS(4)) as b:
        clock = clock_file(tmp, "")  # no wall clock until all input is in
        kills, chunks = 20, 21
        size = len(lines) // chunks + 1
        for k in range(kills):
            h.produce(b.bootstrap, "case-events", lines[k * size:(k + 1) * size],
                      h.partition_of(4))
            p = h.Processor(b, tmp, f"k{k}", dict(eos, **{"processor.clock_file": clock}))
            time.sleep(rnd.uniform(0.5, 3.0))
            p.kill9()
        h.produce(b.bootstrap, "case-events", lines[kills * size:], h.partition_of(4))
        p = h.Processor(b, tmp, "last", dict(eos, **{"processor.clock_file": clock}))
        h.read_all(b.bootstrap, "case-alerts", 4, idle_s=3)  # caught up
        clock_file(tmp, CLOCK)
        got, aborted = exactly_once_check(expected, b.bootstrap, 4, "20 x kill -9, exactly_once")
        assert p.stop() == 0, p.logtext()[-2000:]
        state = changelog_state(b.bootstrap, 4)
        commits = commits_in_transactions(b, "20 x kill -9")
    assert aborted > 0, "no kill hit an open transaction with alerts in it"
    assert state == reference, (f"changelog differs: {len(state)} keys vs {len(reference)}; "
                                f"{sum(1 for k in reference if state.get(k) != reference[k])} differ")
    print(f"eos kill9: {kills} kill -9, alerts expected {len(expected)}, read_committed "
          f"{len(got)} (each id once), {aborted} alert records in aborted transactions; "
          f"changelog: {len(state)} cases equal; {commits} offset commits, all in transactions")


def test_eos_revoke(tmp):
    """exactly_once on real Kafka, the revoke path: while the first member is
    busy a second one joins, so the first gives up its partitions; it is
    killed with SIGKILL a few milliseconds after its revoke, six times
    (seeded). Whatever the revoke committed was inside the transaction: a
    read_committed reader sees every alert id of the replay exactly once (an
    offset commit beside the open transaction loses the alerts that the
    transaction held when the member dies before committing it)."""
    import random
    assert h.REAL, "exactly_once needs real Kafka (label kafka_real)"
    rnd = random.Random(int(os.environ.get("CW_FAULT_SEED", "2026")))
    lines = generated(2000, seed=11)
    expected = h.replay_per_partition(lines, 4, CLOCK)
    rounds = 6
    size = len(lines) // (2 * rounds + 1) + 1
    chunks = [lines[i * size:(i + 1) * size] for i in range(2 * rounds + 1)]
    with h.Broker(TOPICS(4)) as b:
        clock = clock_file(tmp, "")

        def member(name, txid, batch=40):
            return h.Processor(b, tmp, name, dict(EOS, **{"processor.clock_file": clock,
                                                          "processor.batch_max": str(batch),
                                                          "kafka.transactional.id": txid}))
        # `a` in batches of two, so that a revoke finds input applied and not
        # yet committed more often. (librdkafka 2.0.2 mostly serves the revoke
        # between batches, when nothing is pending: a kill alone rarely shows
        # a commit beside the transaction; commits_in_transactions sees each.)
        a = member("a0", "cw-eos-a", 2)
        for r in range(rounds):
            h.produce(b.bootstrap, "case-events", chunks[2 * r], h.partition_of(4))
            # `a` alone in the group, all partitions restored, applying input
            assert h.wait_for(lambda: "restore done: 4 partition(s)" in a.logtext() and
                              "applied=0 " not in a.logtext().splitlines()[-1], 60), \
                a.logtext()[-2000:]
            seen = a.logtext().count("rebalance: revoked")
            other = member(f"b{r}", "cw-eos-b")  # its join makes `a` revoke
            # a backlog for `a` while the group rebalances
            h.produce(b.bootstrap, "case-events", chunks[2 * r + 1], h.partition_of(4))
            assert h.wait_for(lambda: a.logtext().count("rebalance: revoked") > seen, 60,
                              step=0.002), (r, a.logtext()[-1500:], other.logtext()[-1500:])
            time.sleep(rnd.uniform(0, 0.03))  # the revoke's commit done, or not yet
            a.kill9()
            assert other.stop() == 0, other.logtext()[-2000:]
            # fences what `a` left open; the last one catches up in full batches
            a = member(f"a{r + 1}", "cw-eos-a", 2 if r + 1 < rounds else 40)
        h.produce(b.bootstrap, "case-events", chunks[2 * rounds], h.partition_of(4))
        h.read_all(b.bootstrap, "case-alerts", 4, idle_s=3)
        clock_file(tmp, CLOCK)
        got, aborted = exactly_once_check(expected, b.bootstrap, 4, "revoke, exactly_once")
        assert a.stop() == 0, a.logtext()[-2000:]
        commits = commits_in_transactions(b, "revoke")
    print(f"eos revoke: {rounds} revokes each followed by kill -9, alerts expected "
          f"{len(expected)}, read_committed {len(got)} (each id once), {aborted} aborted records; "
          f"{commits} offset commits, all in transactions")


def test_registry_real(tmp):
    """A real Confluent-compatible Schema Registry (Apicurio, registry.sh)
    and current confluent-kafka (PyPI, the test venv): events serialized by
    its AvroSerializer (which registers case_event.avsc) and events of a
    second schema version it registers (an added optional field) are
    decoded by the processor. The registry is stopped before the processor
    first asks it: input is held, nothing dead-lettered; restarted (its
    schemas kept in Kafka), the alerts flow and equal the replay's.
    casewatch-produce --schema-registry registers against it too."""
    assert h.REAL, "the real registry runs on real Kafka (label kafka_real)"
    from confluent_kafka.schema_registry import SchemaRegistryClient
    from confluent_kafka.schema_registry.avro import AvroSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext
    sys.path.insert(0, os.path.join(ROOT, "tests/avro"))
    import test_avro as ta
    lines = generated(400, seed=13)
    half = len(lines) // 2
    expected = h.replay_per_partition(lines, 2, CLOCK)
    v1 = ta.SCHEMA_TEXT
    evolved = json.loads(v1)
    evolved["fields"].append({"name": "cw_origin", "type": ["null", "string"], "default": None,
                              "doc": "test: a field this reader does not know"})
    v2 = json.dumps(evolved)

    def datum(line, extra=None):
        d = ta.to_avro(json.loads(line))  # data: one EventData record, no union to name
        d.update(extra or {})
        return d

    with h.Broker(TOPICS(2)) as b:
        reg = h.Registry(b)
        print(f"registry: started in {reg.start_s:.1f} s")
        client = SchemaRegistryClient({"url": reg.url})
        ctx = SerializationContext("case-events", MessageField.VALUE)
        ser1 = AvroSerializer(client, v1)
        ser2 = AvroSerializer(client, v2)
        msgs = [(json.loads(l)["subject"], ser1(datum(l), ctx)) for l in lines[:half]]
        msgs += [(json.loads(l)["subject"], ser2(datum(l, {"cw_origin": "v2"}), ctx))
                 for l in lines[half:]]
        versions = client.get_versions("case-events-value")
        assert len(versions) == 2, versions
        ids = {m[1][1:5] for m in msgs}
        assert len(ids) == 2, f"schema ids in the messages: {ids}"
        h.produce(b.bootstrap, "case-events", msgs, h.partition_of(2))
        reg.stop()
        p = h.Processor(b, tmp, "p1", {"processor.clock_file": clock_file(tmp, CLOCK),
                                       "schema_registry.url": reg.url,
                                       "schema_registry.timeout": "500ms"})
        assert h.wait_for(lambda: p.logtext().count("retrying") >= 3, 60), p.logtext()[-2000:]
        early = h.read_all(b.bootstrap, "case-alerts", 2, idle_s=1.0)
        assert early == [], f"{len(early)} alerts while the registry was down"
        reg.start()
        got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", 2, want=len(expected)))
        dlq = h.read_all(b.bootstrap, "case-events-dlq", 1, idle_s=1.0)
        assert p.stop() == 0, p.logtext()[-2000:]
        expect_same(expected, got, "registry (Apicurio), AvroSerializer v1 + v2")
        assert dlq == [], f"{len(dlq)} dead letters: {[dict(m.headers()) for m in dlq[:3]]}"
        # casewatch-produce registers the schema it writes with
        produce = os.path.join(sys.argv[1], "producers/produce/casewatch-produce")
        src = os.path.join(tmp, "events.jsonl")
        open(src, "w").write("\n".join(lines[:20]) + "\n")
        b.create_topics({"case-events-2": 1})
        out = subprocess.run([produce, "--bootstrap", b.bootstrap, "--topic", "case-events-2",
                              "--format", "avro", "--schema-registry", reg.url, src],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr[-2000:]
        subjects = client.get_subjects()
        assert "case-events-2-value" in subjects, subjects
    print(f"registry: {len(lines)} Avro events (schema versions {versions}, ids "
          f"{sorted(int.from_bytes(i, 'big') for i in ids)}), held while down "
          f"({p.logtext().count('retrying')} retries), then {len(got)} alerts, 0 dead letters; "
          f"casewatch-produce registered case-events-2-value")


def test_compaction(tmp):
    """Real Kafka's log cleaner on the changelog: segments roll every 500 ms
    and the cleaner compacts at once. A processor applies the first 70 % of
    a stream in pauses (so segments roll); once the cleaner has removed
    records (checked: fewer records than offsets), a new member restores
    from the compacted changelog and applies the rest: the alert ids equal
    the replay's of the whole stream (a case lost or resurrected by
    compaction would change them), and the cases tombstoned before the
    cleaning stay gone."""
    assert h.REAL, "the log cleaner is real Kafka's (label kafka_real)"
    lines = generated(1200, seed=21)
    expected = h.replay_per_partition(lines, 2, CLOCK)
    cut = len(lines) * 7 // 10
    # five pauses within the first 70 %: a chunk never reaches past the cut
    # (the rest is produced once, after the restore)
    chunks = [lines[i:min(i + cut // 5, cut)] for i in range(0, cut, cut // 5)]
    state_conf = {"segment.ms": "500", "min.cleanable.dirty.ratio": "0.01",
                  "min.compaction.lag.ms": "0", "delete.retention.ms": "100"}
    with h.Broker(TOPICS(2), configs={"casewatch-state": state_conf}) as b:
        clock = clock_file(tmp, "")
        p = h.Processor(b, tmp, "p1", {"processor.clock_file": clock})
        for c in chunks:
            h.produce(b.bootstrap, "case-events", c, h.partition_of(2))
            time.sleep(1.2)  # past segment.ms: the next changelog write rolls
        h.read_all(b.bootstrap, "case-alerts", 2, idle_s=2)
        assert p.stop() == 0, p.logtext()[-2000:]
        written = h.read_all(b.bootstrap, "casewatch-state", 2, idle_s=1)
        last = {}
        for m in written:
            last[m.key()] = m.value()
        tombstoned = {k for k, v in last.items() if v is None}  # cases that ended

        def offsets():
            from confluent_kafka import Consumer, TopicPartition
            c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "cw-test-wm"})
            hi = sum(c.get_watermark_offsets(TopicPartition("casewatch-state", i), 10)[1]
                     for i in range(2))
            c.close()
            return hi
        hi = offsets()
        assert h.wait_for(lambda: len(h.read_all(b.bootstrap, "casewatch-state", 2,
                                                 idle_s=0.5)) < hi, 90, step=2), \
            "the log cleaner removed nothing"
        left = len(h.read_all(b.bootstrap, "casewatch-state", 2, idle_s=0.5))
        p2 = h.Processor(b, tmp, "p2", {"processor.clock_file": clock})
        assert h.wait_for(lambda: "restore done" in p2.logtext(), 60), p2.logtext()[-2000:]
        h.produce(b.bootstrap, "case-events", lines[cut:], h.partition_of(2))
        h.read_all(b.bootstrap, "case-alerts", 2, idle_s=3)
        clock_file(tmp, CLOCK)
        got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", 2, want=len(expected),
                                     idle_s=3))
        assert p2.stop() == 0, p2.logtext()[-2000:]
        state = changelog_state(b.bootstrap, 2)
    expect_same(expected, got, "restore from a compacted changelog")
    rest_cases = {json.loads(l)["subject"].encode() for l in lines[cut:]}
    back = [k for k in tombstoned if k not in rest_cases and k in state]
    assert not back, f"{len(back)} tombstoned cases back after compaction, e.g. {back[:3]}"
    print(f"compaction: changelog {hi} offsets, {left} records left by the cleaner; "
          f"{len(tombstoned)} tombstones; restored and continued: {len(got)} alerts, "
          f"{len(expected)} expected ids, all present")


def test_broker_down(tmp):
    """The broker goes down for a while and comes back: nothing is lost. On
    real Kafka the broker process is killed with SIGKILL and restarted on its
    log directory."""
    lines = generated(800, seed=9)
    expected = h.replay_per_partition(lines, 3, CLOCK)
    b = h.Broker(TOPICS(3))
    try:
        h.produce(b.bootstrap, "case-events", lines, h.partition_of(3))
        p = h.Processor(b, tmp, "p1", {"processor.clock_file": clock_file(tmp, CLOCK),
                                       "processor.batch_max": "100"})
        assert h.wait_for(lambda: "restored partition" in p.logtext(), 60)
        time.sleep(0.5)
        b.outage(6)  # embedded: every broker down; real Kafka: kill -9, restart on its log
        got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", 3, want=len(expected),
                                     idle_s=4))
        assert p.stop() == 0, p.logtext()[-2000:]
        expect_same(expected, got, "broker down")
    finally:
        b.stop()


def test_poison(tmp):
    """Poison messages on every partition all land in the DLQ with a reason;
    processing continues and the valid events give the replay's alerts."""
    valid = generated(200, seed=3)
    expected = h.replay_per_partition(valid, 4, CLOCK)
    poison = [("C-p0", b"{truncated"), ("C-p1", b"\x00\x00\x00\x00\x07garbage"),
              ("C-p2", b""), ("C-p3", b"\xff" * 100), ("C-p4", b"{" + b" " * 70000 + b"}"),
              ("WRONG-KEY", valid[0].encode()),
              ("C-p6", h.event(1, CLOCK, "report.teleported", "C-p6").encode())]
    b = h.Broker(TOPICS(4))
    try:
        msgs = []
        for i, line in enumerate(valid):
            msgs.append(line)
            if i % 40 == 0:
                msgs += poison
        n_poison = len(msgs) - len(valid)
        # every poison message on every partition
        for part in range(4):
            h.produce(b.bootstrap, "case-events", poison, partition_of=lambda k, p=part: p)
        n_poison += 4 * len(poison)
        part = h.partition_of(4)
        h.produce(b.bootstrap, "case-events", msgs,
                  lambda k: part(k) if k != "WRONG-KEY" else 0)
        p = h.Processor(b, tmp, "p1", {"processor.clock_file": clock_file(tmp, CLOCK)})
        got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", 4, want=len(expected)))
        dlq = h.read_all(b.bootstrap, "case-events-dlq", 1, want=n_poison)
        assert p.stop() == 0, p.logtext()[-2000:]
        expect_same(expected, got, "poison")
        assert len(dlq) == n_poison, f"{len(dlq)} in the DLQ, {n_poison} poison"
        reasons = {}
        for m in dlq:
            hd = dict(m.headers())
            assert hd.get("cw_source_topic") == b"case-events" and "cw_source_offset" in hd
            reasons[hd["cw_reason"].decode()] = reasons.get(hd["cw_reason"].decode(), 0) + 1
        assert set(reasons) == {"bad_json", "bad_encoding", "too_large", "key_mismatch",
                                "unknown_type", "unknown_schema"}, reasons
        parts_hit = {int(dict(m.headers())["cw_source_partition"]) for m in dlq}
        assert parts_hit == {0, 1, 2, 3}, parts_hit
    finally:
        b.stop()


def scenario_streams(n):
    """The scenario set's events, each scenario's case and event ids prefixed
    with its name (files reuse ids) and each scenario kept in one partition."""
    import glob
    import zlib
    streams = [[] for _ in range(n)]
    for path in sorted(glob.glob(os.path.join(ROOT, "tests/scenarios/*.scn"))):
        name = os.path.basename(path)[:-4]
        for line in open(path, encoding="utf-8"):
            if not line.startswith("event "):
                continue
            try:
                ev = json.loads(line[6:])
                ev["subject"] = f"{name}/{ev['subject']}"
                ev["id"] = f"{name}/{ev['id']}"
            except (ValueError, KeyError, TypeError):
                continue  # a deliberately broken event: the DLQ's business, not this test's
            streams[zlib.crc32(name.encode()) % n].append(json.dumps(ev, ensure_ascii=False))
    return streams


def test_scenarios(tmp):
    """The scenario set produced to the topic gives the alerts of
    casewatch-replay on the same partition streams (compared by id)."""
    n = 4
    streams = scenario_streams(n)
    assert sum(map(len, streams)) > 500, "the scenario set is missing"
    expected = []
    for st in streams:
        expected += h.replay(st, until=CLOCK)
    b = h.Broker(TOPICS(n))
    try:
        for part, st in enumerate(streams):
            h.produce(b.bootstrap, "case-events", st, lambda k, p=part: p)
        p = h.Processor(b, tmp, "p1", {"processor.clock_file": clock_file(tmp, CLOCK)})
        got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", n, want=len(expected)))
        assert p.stop() == 0, p.logtext()[-2000:]
        expect_same(expected, got, "scenarios")
        print(f"scenarios: {sum(map(len, streams))} events, {len(expected)} alerts, all equal")
    finally:
        b.stop()


def test_privacy(tmp):
    """At debug level, no log line of the processor contains a case id, child
    pseudonym, unit, caseworker, event id or free-text value of the input."""
    n = 2
    streams = scenario_streams(n)
    secrets = set()
    for st in streams:
        for line in st:
            ev = json.loads(line)
            secrets.add(ev["subject"])
            secrets.add(ev["id"])
            for k, v in ev["data"].items():
                # ids inside a case ("R1", "P1") are too short to be found reliably
                # and are not personal; everything longer is checked
                if isinstance(v, str) and len(v) >= 5 and k != "municipality":
                    secrets.add(v)
    b = h.Broker(TOPICS(n))
    try:
        for part, st in enumerate(streams):
            h.produce(b.bootstrap, "case-events", st, lambda k, p=part: p)
        h.produce(b.bootstrap, "case-events", [("C-priv-1", b"{not json, child B-secret-77")])
        p = h.Processor(b, tmp, "p1", {"processor.clock_file": clock_file(tmp, CLOCK),
                                       "log.level": "debug"})
        h.read_all(b.bootstrap, "case-alerts", n, idle_s=4)
        assert p.stop() == 0
        log = p.logtext()
        assert "DEBUG processor" in log and "rejected" in log, "debug logging did not run"
        secrets.update({"C-priv-1", "B-secret-77"})
        leaks = sorted(x for x in secrets if x in log)
        assert not leaks, f"{len(leaks)} input values in the log, e.g. {leaks[:5]}"
        print(f"privacy: {len(log.splitlines())} log lines, {len(secrets)} values checked, 0 found")
    finally:
        b.stop()


def test_privacy_demo_load(tmp):
    """The demo's load (a simulated half year, sent by the simulator) with
    the processor and the feed at debug level: no log line of theirs, nor of
    the simulator, holds a case id, event id, child pseudonym, caseworker or
    any other value of the events."""
    sim = os.path.join(sys.argv[1], "producers/simulate/casewatch-simulate")
    feed_bin = os.path.join(sys.argv[1], "consumers/feed/casewatch-feed")
    args = ["--seed", "77", "--municipalities", "1", "--scale", "0.3", "--from", "2025-03-01",
            "--days", "180", "--late-share", "0.3"]
    ref = os.path.join(tmp, "events.jsonl")
    subprocess.run([sim, *args, "--output", ref], check=True, capture_output=True)
    secrets = set()
    for line in open(ref):
        ev = json.loads(line)
        secrets.update({ev["subject"], ev["id"]})
        for k, v in ev["data"].items():
            if isinstance(v, str) and len(v) >= 5 and k in ("child", "caseworker", "home_id"):
                secrets.add(v)
    b = h.Broker(TOPICS(3))
    try:
        s = subprocess.run([sim, *args, "--bootstrap", b.bootstrap, "--topic", "case-events"],
                           capture_output=True, text=True)
        assert s.returncode == 0, s.stderr
        # One broken message, so the processor's debug path (rejections) runs.
        h.produce(b.bootstrap, "case-events", [("2180-2025-99999", b"{not json, B-secret-88")])
        secrets.update({"2180-2025-99999", "B-secret-88"})
        p = h.Processor(b, tmp, "p1", {"processor.clock_file": clock_file(tmp, "2025-08-28T00:00:00+02:00"),
                                       "log.level": "debug"})
        feed_conf = os.path.join(tmp, "feed.conf")
        open(feed_conf, "w").write(f"kafka.bootstrap.servers = {b.bootstrap}\n"
                                   "feed.listen = 127.0.0.1:0\nlog.level = debug\n")
        feed_log = open(os.path.join(tmp, "feed.log"), "w")
        feed = subprocess.Popen([feed_bin, "--config", feed_conf], stderr=feed_log)
        h._children.append(feed)
        alerts = h.read_all(b.bootstrap, "case-alerts", 3, idle_s=4, want=100)
        # Ask the feed what a supervisor would: its access log is at debug level.
        import re
        import urllib.parse
        import urllib.request
        assert h.wait_for(lambda: "listening on http://" in open(feed_log.name).read(), 20)
        url = re.search(r"listening on (http://[0-9.:]+)", open(feed_log.name).read()).group(1)
        some_case = json.loads(alerts[0].value())["case"]
        for path in ("/api/alerts?limit=3", "/api/caseload",
                     "/api/cases/" + urllib.parse.quote(some_case, safe="")):
            with urllib.request.urlopen(url + path, timeout=10) as r:
                assert r.status == 200
        time.sleep(2)
        assert p.stop() == 0
        feed.terminate()
        feed.wait(10)
        logs = {"processor": p.logtext(), "feed": open(os.path.join(tmp, "feed.log")).read(),
                "simulator": s.stderr}
    finally:
        b.stop()
    assert "DEBUG processor" in logs["processor"] and "DEBUG" in logs["feed"], (
        "no debug logging", logs["feed"][-1500:])
    assert len(alerts) > 100
    for name, log in logs.items():
        leaks = sorted(x for x in secrets if x in log)
        assert not leaks, f"{name}: {len(leaks)} input values in the log, e.g. {leaks[:5]}"
    print(f"privacy, demo load: {len(alerts)} alerts; "
          + ", ".join(f"{k} {len(v.splitlines())} log lines" for k, v in logs.items())
          + f"; {len(secrets)} values checked, 0 found")


def avro_framed(lines):
    """Our encoder (via the test tool) framing JSON events as Avro, id 4."""
    tool = os.path.join(sys.argv[1], "tests/avro/avro_tool")
    out = subprocess.run([tool, "encode"], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert len(out) == len(lines) and not any(o.startswith("REJECT") for o in out)
    return [(json.loads(l)["subject"], bytes.fromhex(o)) for l, o in zip(lines, out)]


def avro_alerts(msgs):
    """Alerts in the wire format, read by python3-avro with alert.avsc."""
    import io
    import avro.io
    import avro.schema
    schema = avro.schema.parse(open(os.path.join(ROOT, "schemas/alert.avsc")).read())
    out = []
    for m in msgs:
        v = m.value()
        assert v[:5] == b"\x00\x00\x00\x00\x02", v[:5]
        assert dict(m.headers()).get("content-type") == b"application/avro"
        out.append(avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(io.BytesIO(v[5:]))))
    return out


def test_avro(tmp):
    """Avro in (Confluent wire format, two thirds of the events: our encoder
    with the current schema, id 4, and python3-avro with the first schema,
    v1, id 1, as a producer not yet upgraded would; JSON the other third, on
    the same partitions) and Avro out: the alerts are the replay's, by id,
    and python3-avro reads every one."""
    sys.path.insert(0, os.path.join(ROOT, "tests/avro"))
    import test_avro as ta  # python3-avro helpers, the v1 schema
    n = 4
    streams = scenario_streams(n)
    expected = []
    for st in streams:
        expected += h.replay(st, until=CLOCK)
    b = h.Broker(TOPICS(n))
    kinds = collections.Counter()
    try:
        for part, st in enumerate(streams):
            ok = [l for l in st if l.startswith("{") and _json_ok(l)]
            # the valid events rotate id 4 / v1 / JSON; garbage stays as it is
            msgs, framed = [], dict(enumerate(avro_framed(ok)))
            k = 0
            for l in st:
                if l in ok and k % 3 == 0 and framed[ok.index(l)]:
                    msgs.append(framed[ok.index(l)])
                    kinds["id 4"] += 1
                elif l in ok and k % 3 == 1:
                    v1 = ta.framed(ta.to_avro(json.loads(l), ta.V1), 1, ta.V1)
                    msgs.append((json.loads(l)["subject"], v1))
                    kinds["v1"] += 1
                else:
                    msgs.append(l)
                k += l in ok
            h.produce(b.bootstrap, "case-events", msgs, lambda key, p=part: p)
        p = h.Processor(b, tmp, "p1", {"processor.clock_file": clock_file(tmp, CLOCK),
                                       "processor.alert_format": "avro"})
        msgs = h.read_all(b.bootstrap, "case-alerts", n, want=len(expected))
        assert p.stop() == 0, p.logtext()[-2000:]
        got = avro_alerts(msgs)
        expect_same(expected, got, "avro")
        print(f"avro: {sum(map(len, streams))} events ({kinds['id 4']} Avro id 4, {kinds['v1']} "
              f"Avro v1), {len(got)} Avro alerts, all equal to the replay's")
    finally:
        b.stop()


def _json_ok(line):
    tool = os.path.join(sys.argv[1], "tests/avro/avro_tool")
    r = subprocess.run([tool, "json"], input=line + "\n", capture_output=True, text=True)
    return not r.stdout.startswith("REJECT")


def test_registry_down(tmp):
    """Avro input whose writer schema is in a registry that is down: the
    processor holds the message (retrying, saying so), loses nothing and
    dead-letters nothing; once the registry is up, the alerts come."""
    sys.path.insert(0, os.path.join(ROOT, "tests/avro"))
    import test_avro as ta  # its python3-avro helpers and registry stand-in
    text, schema, _ = ta.evolved_datums()
    lines = generated(30, seed=5)
    expected = h.replay_per_partition(lines, 2, CLOCK)
    port = ta.free_port()
    b = h.Broker(TOPICS(2))
    try:
        part = h.partition_of(2)
        msgs = [(json.loads(l)["subject"], ta.framed(ta.to_avro(json.loads(l)), 10, schema))
                for l in lines]
        h.produce(b.bootstrap, "case-events", msgs, part)
        p = h.Processor(b, tmp, "p1", {"processor.clock_file": clock_file(tmp, CLOCK),
                                       "schema_registry.url": f"http://127.0.0.1:{port}",
                                       "schema_registry.basic_auth_user_info": "u:p",
                                       "schema_registry.timeout": "500ms"})
        assert h.wait_for(lambda: p.logtext().count("retrying") >= 3, 60), p.logtext()[-2000:]
        early = h.read_all(b.bootstrap, "case-alerts", 2, idle_s=1.0)
        assert early == [], f"{len(early)} alerts before the registry was up"
        # the registry comes up on the port the processor was given
        reg = _registry_on(ta, port, {10: text})
        try:
            got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", 2, want=len(expected)))
            dlq = h.read_all(b.bootstrap, "case-events-dlq", 1, idle_s=1.0)
            assert p.stop() == 0, p.logtext()[-2000:]
        finally:
            reg.stop()
        expect_same(expected, got, "registry down, then up")
        assert dlq == [], f"{len(dlq)} dead letters"
        print(f"registry down: held, {p.logtext().count('retrying')} retries logged; up: "
              f"{len(got)} alerts, 0 dead letters")
    finally:
        b.stop()


def test_simulate(tmp):
    """Issue 7's acceptance: a simulated year of one municipality, sent by
    casewatch-simulate itself, through the processor: every late step the
    simulator planted comes out as an alert, and no breach or violation it
    did not plant; every alert other than warnings is the replay's."""
    sys.path.insert(0, os.path.join(ROOT, "tests/producers"))
    sim = os.path.join(sys.argv[1], "producers/simulate/casewatch-simulate")
    args = ["--seed", "2026", "--municipalities", "1", "--from", "2025-01-01", "--days", "365"]
    until = "2026-01-01T00:00:00+01:00"
    ref, expected = os.path.join(tmp, "events.jsonl"), os.path.join(tmp, "expected.jsonl")
    subprocess.run([sim, *args, "--output", ref, "--expected", expected], check=True,
                   capture_output=True)
    lines = open(ref).read().splitlines()
    planted = [json.loads(l) for l in open(expected)]
    reference = h.replay(lines, until=until)
    b = h.Broker(TOPICS(6))
    try:
        out = subprocess.run([sim, *args, "--bootstrap", b.bootstrap, "--topic", "case-events"],
                             capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert f"{len(lines)} sent, {len(lines)} delivered, 0 failed" in out.stderr, out.stderr
        p = h.Processor(b, tmp, "p1", {"processor.clock_file": clock_file(tmp, until)})
        want = sum(1 for a in reference if a["kind"] != "warning")
        got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", 6, idle_s=4, want=want))
        dlq = h.read_all(b.bootstrap, "case-events-dlq", 1, idle_s=0.5)
        assert p.stop() == 0, p.logtext()[-2000:]
    finally:
        b.stop()
    assert dlq == [], f"{len(dlq)} dead letters"
    import test_producers as tp
    n, r = tp.compare_planted(got, planted, "processor")
    expect_same([a for a in reference if a["kind"] != "warning"],
                [a for a in got if a["kind"] != "warning"], "non-warning alerts")
    kinds = collections.Counter(a["kind"] for a in got)
    print(f"simulated year: {len(lines)} events, {len(got)} alerts {dict(kinds)}; "
          f"{n} planted breaches/violations all found, none unplanted; {r} resolved")


def test_clock_compat(tmp):
    """Clock records (issue 17): a changelog from before them (cases, no
    clock record) still restores, with the clock at 0 as it was, and gives
    replay's alerts; a clock record claiming more input than the input
    partition holds (a recreated topic) skips none of it."""
    import struct
    lines = generated(150, seed=3)
    half = len(lines) // 2
    expected = h.replay(lines, until=CLOCK)
    topics = dict(TOPICS(1), **{"old-state": 1, "other-state": 1})
    b = h.Broker(topics)
    try:
        clock = clock_file(tmp, "")
        h.produce(b.bootstrap, "case-events", lines[:half], lambda k: 0)
        p = h.Processor(b, tmp, "first", {"processor.clock_file": clock})
        assert h.wait_for(lambda: f"consumed={half} " in p.logtext(), 60), p.logtext()[-2000:]
        assert p.stop() == 0, p.logtext()[-2000:]
        first = h.read_all(b.bootstrap, "case-alerts", 1, idle_s=1)
        # An old changelog: the first run's case records without its clock
        # record, read by a new group from the input's start.
        old = [m for m in h.read_all(b.bootstrap, "casewatch-state", 1, idle_s=1)
               if not m.key().startswith(b"\0clock/")]
        assert old and len(old) < len(h.read_all(b.bootstrap, "casewatch-state", 1, idle_s=1))
        h.produce(b.bootstrap, "old-state", [(m.key(), m.value()) for m in old], lambda k: 0)
        h.produce(b.bootstrap, "case-events", lines[half:], lambda k: 0)
        p = h.Processor(b, tmp, "old", {"processor.clock_file": clock,
                                        "processor.changelog_topic": "old-state",
                                        "processor.group_id": "cw-old"})
        assert h.wait_for(lambda: f"consumed={len(lines)} " in p.logtext(), 60), \
            p.logtext()[-2000:]
        clock_file(tmp, CLOCK)
        got = h.alerts_of(first + h.read_all(b.bootstrap, "case-alerts", 1, want=len(expected),
                                             idle_s=2))
        assert p.stop() == 0, p.logtext()[-2000:]
        log = p.logtext()
        assert "no clock record, the clock starts at 0" in log and " 0 corrupt" in log, log[:3000]
        expect_same(expected, got, "old changelog")
        # A clock record 1000 events past the input's end.
        rec = b"CWC\x01" + struct.pack("<qB", 0, 1) + struct.pack("<H", 11) + b"case-events" \
            + struct.pack("<q", len(lines) + 1000)
        h.produce(b.bootstrap, "other-state", [(b"\0clock/0", rec)], lambda k: 0)
        before = len(h.read_all(b.bootstrap, "case-alerts", 1, idle_s=1))
        clock_file(tmp, "")
        p = h.Processor(b, tmp, "foreign", {"processor.clock_file": clock,
                                            "processor.changelog_topic": "other-state",
                                            "processor.group_id": "cw-foreign"})
        assert h.wait_for(lambda: f"consumed={len(lines)} " in p.logtext(), 60), \
            p.logtext()[-2000:]
        clock_file(tmp, CLOCK)
        msgs = h.read_all(b.bootstrap, "case-alerts", 1, want=before + len(expected), idle_s=2)
        assert p.stop() == 0, p.logtext()[-2000:]
        log = p.logtext()
        assert "before the clock record's" in log and "none of it is skipped" in log, log[:3000]
        expect_same(expected, h.alerts_of(msgs[before:]), "input behind a foreign clock record")
        print(f"clock compat: {len(lines)} events, {len(expected)} alerts; an old changelog "
              f"({len(old)} case records, no clock record) restored with the clock at 0; a "
              f"clock record past the input's end skipped nothing")
    finally:
        b.stop()


def _registry_on(ta, port, schemas):
    """ta.Registry, but on a given port (the one the processor was told)."""
    import http.server
    orig = http.server.HTTPServer.__init__

    def init(self, addr, handler, *a, **kw):
        orig(self, ("127.0.0.1", port), handler, *a, **kw)
    http.server.HTTPServer.__init__ = init
    try:
        return ta.Registry(schemas, "u", "p")
    finally:
        http.server.HTTPServer.__init__ = orig


if __name__ == "__main__":
    name = sys.argv[2]
    # CW_KEEP_TMP=1: the processors' configs and logs are kept for a look.
    keep = os.environ.get("CW_KEEP_TMP")
    with tempfile.TemporaryDirectory() if not keep else nullcontext(tempfile.mkdtemp()) as tmp:
        if keep:
            print(f"logs in {tmp}")
        t0 = time.time()
        globals()["test_" + name](tmp)
        print(f"{name}: {time.time() - t0:.1f} s")
    print("1 passed, 0 failed")
