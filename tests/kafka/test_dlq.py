#!/usr/bin/python3
"""Oversized input and refused output (issue 17, items 1 and 3): records too
big to dead-letter whole are dead-lettered truncated, and every class of
produce error (retriable, refused for one record, fatal) on the alert, dead
letter and changelog paths does what consumers/processor/output.c says,
injected with the embedded broker's error stacks. Each test starts its own
broker on loopback and stops it.

Usage: test_dlq.py BUILD_DIR TEST_NAME"""
import json
import os
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
os.environ["CW_BUILD"] = sys.argv[1]
import harness as h  # noqa: E402
import test_faults as tf  # noqa: E402  (counters, error codes)
import test_processor as tp  # noqa: E402

from confluent_kafka import Producer  # noqa: E402

BROKER_ID, PRODUCE = 1, 0  # the embedded broker's only broker; Kafka API key of Produce
DLQ_MAX = 262144  # processor.dlq_max_bytes, its default
MSG_SIZE_TOO_LARGE, INVALID_RECORD, NOT_ENOUGH_REPLICAS, TOPIC_AUTHORIZATION_FAILED = 10, 87, 19, 29


def big_producer(bootstrap):
    return Producer({"bootstrap.servers": bootstrap, "message.max.bytes": 12 << 20,
                     "linger.ms": 5})


def wait_counter(p, name, value, timeout_s=60):
    ok = h.wait_for(lambda: (tf.counters(p) or {}).get(name, -1) >= value, timeout_s)
    assert ok, (f"{name} never reached {value}: {tf.counters(p)}", p.logtext()[-2500:])


DLQ_PARTS = 8  # the embedded broker keeps ~5 MiB per partition: 26 dead letters of 256 KiB


def dlq_of(bootstrap, want=None, idle_s=2):
    return h.read_all(bootstrap, "case-events-dlq", DLQ_PARTS, want=want, idle_s=idle_s)


def topics(parts):
    return dict(tp.TOPICS(parts), **{"case-events-dlq": DLQ_PARTS})


def test_oversize(tmp):
    """A 10 MiB record, a record one byte over processor.dlq_max_bytes and a
    burst of oversize records on every partition: the processor keeps
    running, each is in the DLQ cut to the limit with its reason, source and
    original size and its original headers, the counters add up, and the
    normal events before and after them give exactly the replay's alerts."""
    parts = 4  # of the normal events; partition 4 holds only the 10 MiB record
    valid = tp.generated(240, seed=17)
    half = len(valid) // 2
    expected = h.replay_per_partition(valid, parts, tp.CLOCK)
    b = h.Broker(topics(parts + 1))
    try:
        clock = tp.clock_file(tmp, "")
        p = h.Processor(b, tmp, "p1", {"processor.clock_file": clock})
        h.produce(b.bootstrap, "case-events", valid[:half], h.partition_of(parts))
        wait_counter(p, "consumed", half)
        # The embedded broker keeps ~5 MiB per partition, and when that
        # retention empties a partition's log it moves the log start past the
        # record being appended (librdkafka 2.0.2 rdkafka_mock.c): a record
        # over 5 MiB is readable only as the first record of an empty
        # partition, and eats the one after it. So the 10 MiB record has
        # partition 4 to itself, and is the last record there.
        oversize = []  # (partition, key, value, headers)
        ten = b"{" + b" " * (10 << 20) + b"}"
        oversize.append((parts, b"big-10MiB", ten, [("traceparent", b"00-abc-01")]))
        bp = big_producer(b.bootstrap)
        bp.produce("case-events", key=oversize[0][1], value=ten, partition=parts,
                   headers=oversize[0][3])
        assert bp.flush(60) == 0
        wait_counter(p, "dlq", 1)
        # one byte over the limit (key + value), and a burst on every
        # partition of the normal events (under 5 MiB each, with them)
        over = (1, b"k", b"x" * (DLQ_MAX - 1 + 1), [("origin", b"test")])
        oversize.append(over)
        for part in range(parts):
            for i, size in enumerate([70_000, 300_000, 900_000, 65_537, 500_000, 1_500_000]):
                oversize.append((part, f"burst-{part}-{i}".encode(), b"[" * size,
                                 [("n", str(i).encode())]))
        for part, key, value, hdrs in oversize[1:]:
            bp.produce("case-events", key=key, value=value, partition=part, headers=hdrs)
            bp.poll(0)
        assert bp.flush(60) == 0
        wait_counter(p, "dlq", len(oversize))
        assert p.proc.poll() is None, p.logtext()[-2000:]
        h.produce(b.bootstrap, "case-events", valid[half:], h.partition_of(parts))
        wait_counter(p, "consumed", len(valid) + len(oversize))
        tp.clock_file(tmp, tp.CLOCK)
        got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", parts + 1,
                                     want=len(expected)))
        dlq = dlq_of(b.bootstrap, want=len(oversize))
        assert p.proc.poll() is None, "the processor stopped"
        c = tf.counters(p)
        assert p.stop() == 0, p.logtext()[-2000:]
        tp.expect_same(expected, got, "oversize")
        assert len(dlq) == len(oversize), f"{len(dlq)} dead letters, {len(oversize)} oversize"
        by_key = {m.key(): m for m in dlq}
        cut = 0
        for part, key, value, hdrs in oversize:
            m = by_key[key]
            hd = dict(m.headers())
            assert hd["cw_reason"] == b"too_large", hd
            assert hd["cw_source_topic"] == b"case-events"
            assert int(hd["cw_source_partition"]) == part
            for name, v in hdrs:
                assert hd[name] == v, f"original header {name} lost: {hd}"
            kept = m.value()
            if len(key) + len(value) + sum(len(n) + len(v) + 8 for n, v in hdrs) <= DLQ_MAX:
                # too large for an event, not for the DLQ: copied whole
                assert kept == value and "cw_truncated" not in hd, (key, len(kept), hd)
                continue
            cut += 1
            assert hd["cw_truncated"] == b"true" and int(hd["cw_original_size"]) == len(value), hd
            assert value.startswith(kept) and len(kept) + len(key) + sum(
                len(n) + len(v) + 8 for n, v in hdrs) <= DLQ_MAX, (key, len(kept))
            assert len(kept) >= DLQ_MAX // 2, f"{key}: only {len(kept)} bytes kept"
        offsets = {(int(dict(m.headers())["cw_source_partition"]),
                    int(dict(m.headers())["cw_source_offset"])) for m in dlq}
        assert len(offsets) == len(oversize), "two dead letters name the same source"
        n = len(oversize)
        assert cut == len(oversize) - 2 * parts, cut  # all but the 70 000 and 65 537 byte ones
        assert (c["rejected"], c["dlq"], c["dlq_truncated"]) == (n, n, cut), c
        assert c["consumed"] == len(valid) + n == c["applied"] + c["rejected"] + c["duplicates"], c
        assert c["dlq_references"] == c["dlq_lost"] == c["produce_refused"] == 0, c
        print(f"oversize: {n} records (10 MiB, limit+1, 6 on each of {parts} partitions, "
              f"up to 1.5 MiB) all dead-lettered with reason, source and headers, {cut} cut to <= "
              f"{DLQ_MAX} bytes with their original size; processor running throughout; {len(expected)} "
              f"alerts equal the replay's; counters {c['dlq_truncated']} truncated")
    finally:
        b.stop()


class Held:
    """The processor held with SIGSTOP while input goes in and errors are
    pushed, so its next Produce request is the one that takes them."""

    def __init__(self, b, p):
        self.b, self.p = b, p

    def push(self, produce, count, err):
        self.p.proc.send_signal(signal.SIGSTOP)
        try:
            produce()
            assert self.b.command(f"berrors {BROKER_ID} {PRODUCE} {count} {err}") == "ok"
        finally:
            self.p.proc.send_signal(signal.SIGCONT)
        left = lambda: int(self.b.command(f"pending {BROKER_ID} {PRODUCE}").split()[1])  # noqa
        assert h.wait_for(lambda: left() == 0 or self.p.proc.poll() is not None, 60), \
            (f"{left()} errors not taken", self.p.logtext()[-2000:])


def report(i, t, case):
    return h.event(i, t, "report.received", case, report_id="R1", child="B" + case)


def test_produce_classes(tmp):
    """Each class of produce error, injected on the broker, on the path it
    matters for (one partition, so each step knows what the next Produce
    request carries):
      refused for one record (MSG_SIZE_TOO_LARGE: over the DLQ topic's
        limit) on a dead letter → a reference record instead;
      refused on the dead letter and on its reference (INVALID_RECORD x2) →
        logged with its source and counted (dlq_lost), processing goes on;
      refused on alerts → the alerts dead-lettered whole (none lost: alert
        topic + dead-lettered alerts = the replay's);
      retriable, past librdkafka's own retries → produced again (counted);
      refused on a changelog record, and a fatal error → exit 1 before the
        commit, and the restart converges on the same alerts and state."""
    b = h.Broker(topics(1))
    conf = {"processor.clock_file": tp.clock_file(tmp, ""),
            "kafka.group.instance.id": "cw-dlq", "kafka.message.send.max.retries": "1",
            "kafka.retry.backoff.ms": "50"}
    n = [0]

    def start():
        n[0] += 1
        return h.Processor(b, tmp, f"p{n[0]}", conf)

    lines = []

    def send(*events):
        lines.extend(events)
        h.produce(b.bootstrap, "case-events", list(events))

    try:
        p = start()
        send(report(1, "2025-06-02T09:00:00+02:00", "A"))
        wait_counter(p, "changelog", 1)
        held = Held(b, p)

        # 1. a dead letter over the DLQ topic's limit → a reference
        held.push(lambda: h.produce(b.bootstrap, "case-events", [("A", b"{truncated")]), 1,
                  MSG_SIZE_TOO_LARGE)
        wait_counter(p, "dlq_references", 1)
        dlq = dlq_of(b.bootstrap, want=1)
        assert len(dlq) == 1, [m.headers() for m in dlq]
        hd = dict(dlq[0].headers())
        assert dlq[0].value() is None and dlq[0].key() is None, dlq[0].value()
        assert (hd["cw_truncated"], hd["cw_dlq_error"], hd["cw_reason"],
                hd["cw_source_offset"], hd["cw_original_size"]) == (
            b"reference", b"MSG_SIZE_TOO_LARGE", b"bad_json", b"1", b"10"), hd
        print("  dead letter refused (MSG_SIZE_TOO_LARGE): a reference record instead")

        # 2. refused as a dead letter and as its reference → logged, counted
        held.push(lambda: h.produce(b.bootstrap, "case-events", [("A", b"\xff\xfe")]), 2,
                  INVALID_RECORD)
        wait_counter(p, "dlq_lost", 1)
        assert "refused even as a reference" in p.logtext() and "@2 (bad_encoding)" in \
            p.logtext(), p.logtext()[-1500:]
        print("  dead letter and its reference refused (INVALID_RECORD x2): logged with its "
              "source, dlq_lost=1")

        # 3. alerts refused → dead-lettered; a month later A is past its 14 days
        held.push(lambda: send(report(1, "2025-07-01T09:00:00+02:00", "B")), 1,
                  MSG_SIZE_TOO_LARGE)
        wait_counter(p, "alerts_dead_lettered", 1)
        c = tf.counters(p)
        assert p.proc.poll() is None

        # 4. retriable past librdkafka's retries (1 here) → produced again
        retries = c["produce_retries"]
        held.push(lambda: send(report(1, "2025-08-15T09:00:00+02:00", "C")), 3,
                  NOT_ENOUGH_REPLICAS)
        wait_counter(p, "produce_retries", retries + 1)
        assert p.proc.poll() is None
        print("  retriable (NOT_ENOUGH_REPLICAS x3, retries=1): produced again, "
              f"produce_retries={tf.counters(p)['produce_retries']}")

        # 5. a changelog record refused → exit 1 (the case's state is never
        # dropped); the restart applies the event again
        wait_counter(p, "changelog", 5)  # A; A, B; B, C (at least)
        held.push(lambda: send(report(1, "2025-08-15T10:00:00+02:00", "D")), 1,
                  MSG_SIZE_TOO_LARGE)
        assert p.proc.wait(30) == 1, p.logtext()[-1500:]
        assert "changelog record" in p.logtext() and "refused for this record" in p.logtext()
        p = start()
        held = Held(b, p)
        wait_counter(p, "changelog", 1)
        print("  changelog record refused (MSG_SIZE_TOO_LARGE): exit 1, restart re-applied it")

        # 6. fatal (TOPIC_AUTHORIZATION_FAILED) → exit 1, restart converges
        held.push(lambda: send(report(1, "2025-09-30T09:00:00+02:00", "E")), 1,
                  TOPIC_AUTHORIZATION_FAILED)
        assert p.proc.wait(30) == 1, p.logtext()[-1500:]
        assert "(fatal)" in p.logtext(), p.logtext()[-1500:]
        p = start()
        wait_counter(p, "consumed", 1)
        print("  fatal (TOPIC_AUTHORIZATION_FAILED): exit 1, restarted")

        tp.clock_file(tmp, tp.CLOCK)
        expected = h.replay(lines, until=tp.CLOCK)
        time.sleep(2)
        msgs = h.read_all(b.bootstrap, "case-alerts", 1, idle_s=3)
        dlq = dlq_of(b.bootstrap)
        assert p.stop() == 0, p.logtext()[-2000:]
        undeliverable = [m for m in dlq if dict(m.headers())["cw_reason"] ==
                         b"alert_undeliverable"]
        assert undeliverable and all(dict(m.headers())["cw_alert_topic"] == b"case-alerts" and
                                     dict(m.headers())["ce_id"] for m in undeliverable)
        on_topic = {a["id"] for a in h.alerts_of(msgs)}
        dead = {json.loads(m.value())["id"] for m in undeliverable}
        assert not on_topic & dead, "an alert both delivered and dead-lettered"
        tp.expect_same(expected, h.alerts_of(msgs) + [json.loads(m.value()) for m in
                                                     undeliverable], "produce classes")
        print(f"produce classes: {len(expected)} alerts expected, {len(on_topic)} on the alert "
              f"topic + {len(dead)} dead-lettered (refused) = all, 0 lost; 2 exits (changelog "
              f"refused, fatal), each restarted")
    finally:
        b.stop()


if __name__ == "__main__":
    name = sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.time()
        globals()["test_" + name](tmp)
        print(f"{name}: {time.time() - t0:.1f} s")
    print("1 passed, 0 failed")
