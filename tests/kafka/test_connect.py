#!/usr/bin/python3
"""Connecting to a Kafka cluster (issue 18 items 2 and 8): the processor's
start-up check of the cluster and its topics. Each failure ends the
processor within processor.startup_timeout with one ERROR line and the
documented exit status (README "Connecting to your Kafka", --help); the
SASL listener of a real Kafka with the right password works end to end.

Usage: test_connect.py BUILD_DIR TEST_NAME   (CW_KAFKA=real: real Kafka)"""
import os
import socket
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
os.environ["CW_BUILD"] = sys.argv[1]
import harness as h  # noqa: E402
import test_processor as tp  # noqa: E402

EXIT_TOPICS, EXIT_UNREACHABLE, EXIT_AUTH = 3, 4, 5
TIMEOUT_S = 8  # processor.startup_timeout in these tests
# The SASL user of deploy/kafka/kafka.sh (loopback test credentials). PLAIN,
# not SCRAM: Debian's librdkafka 2.0.2 cannot log in with SCRAM to Kafka 4.x
# (its nonce bug, fixed in librdkafka 2.6.1; see kafka.sh and the README).
SASL = {"kafka.security.protocol": "SASL_PLAINTEXT", "kafka.sasl.mechanism": "PLAIN",
        "kafka.sasl.username": "casewatch", "kafka.sasl.password": "casewatch-secret"}


def refused(b, tmp, name, status, text, extra=None):
    """The processor exits by itself within the timeout, with `status` and
    exactly one ERROR line, which contains `text`."""
    settings = {"processor.startup_timeout": f"{TIMEOUT_S}s"}
    settings.update(extra or {})
    t0 = time.time()
    p = h.Processor(b, tmp, name, settings)
    try:
        rc = p.proc.wait(TIMEOUT_S + 20)
    except Exception:
        p.kill9()
        raise AssertionError(f"{name}: still running after {TIMEOUT_S + 20} s: "
                             f"{p.logtext()[-2000:]}")
    took = time.time() - t0
    errors = [line for line in p.logtext().splitlines() if " ERROR " in line]
    assert rc == status, f"{name}: exit {rc}, want {status}: {p.logtext()[-3000:]}"
    assert len(errors) == 1 and text in errors[0], f"{name}: {errors}"
    assert took < TIMEOUT_S + 10, f"{name}: {took:.1f} s"
    print(f"{name}: exit {rc} in {took:.1f} s: {errors[0]}")
    return errors[0]


def test_unreachable(tmp):
    """A bootstrap on a closed port: exit 4 after the timeout, not a hang."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nobody listens there now

    class Nowhere:
        bootstrap = f"127.0.0.1:{port}"
    line = refused(Nowhere, tmp, "unreachable", EXIT_UNREACHABLE,
                   f"no broker of the Kafka cluster at 127.0.0.1:{port} answered")
    assert "Connection refused" in line, line


def test_missing_topic(tmp):
    """No DLQ topic and no second input topic: one line naming both."""
    topics = tp.TOPICS(2)
    del topics["case-events-dlq"]
    with h.Broker(topics) as b:
        refused(b, tmp, "missing", EXIT_TOPICS,
                "missing topic(s): case-more, case-events-dlq",
                {"processor.input_topics": "case-events,case-more"})


def test_not_copartitioned(tmp):
    """Input topics of 4 and 3 partitions: one line naming each count; a
    changelog of another count than the input: one line naming both."""
    topics = dict(tp.TOPICS(4), **{"case-more": 3, "state-2": 2})
    with h.Broker(topics) as b:
        refused(b, tmp, "copart", EXIT_TOPICS,
                "input topics are not co-partitioned (they need the same partition count): "
                "case-events has 4, case-more has 3",
                {"processor.input_topics": "case-events,case-more"})
        refused(b, tmp, "changelog", EXIT_TOPICS,
                "changelog state-2 has 2 partitions, input case-events has 4: they must be equal",
                {"processor.changelog_topic": "state-2"})


def test_not_compacted(tmp):
    """Real Kafka: a changelog with cleanup.policy=delete is refused."""
    assert h.REAL, "needs CW_KAFKA=real (DescribeConfigs)"
    with h.Broker(dict(tp.TOPICS(2), **{"state-del": 2}),
                  configs={"state-del": {"cleanup.policy": "delete"}}) as b:
        refused(b, tmp, "delete", EXIT_TOPICS,
                "changelog state-del has cleanup.policy=delete: it must be compact",
                {"processor.changelog_topic": "state-del"})


def test_sasl(tmp):
    """Real Kafka's SASL_PLAINTEXT listener (SASL PLAIN): the right password
    gives replay's alerts; a wrong one exits 5 with one line."""
    assert h.REAL, "needs CW_KAFKA=real (the SASL listener)"
    lines = tp.generated(120, seed=5)
    expected = h.replay_per_partition(lines, 2, tp.CLOCK)
    with h.Broker(tp.TOPICS(2)) as b:
        h.produce(b.bootstrap, "case-events", lines, h.partition_of(2))
        wrong = dict(SASL, **{"kafka.bootstrap.servers": b.sasl_bootstrap,
                               "kafka.sasl.password": "not-the-secret"})
        refused(b, tmp, "wrong-password", EXIT_AUTH,
                f"cannot authenticate to the Kafka cluster at {b.sasl_bootstrap}", wrong)
        right = dict(SASL, **{"kafka.bootstrap.servers": b.sasl_bootstrap,
                               "processor.clock_file": tp.clock_file(tmp, tp.CLOCK)})
        p = h.Processor(b, tmp, "sasl", right)
        got = h.alerts_of(h.read_all(b.bootstrap, "case-alerts", 2, want=len(expected)))
        assert p.stop() == 0, p.logtext()[-2000:]
        tp.expect_same(expected, got, "sasl")
        assert len(got) == len(expected) > 0, f"{len(got)} alerts for {len(expected)} ids"
        print(f"sasl: {len(got)} alerts, as replay")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        globals()["test_" + sys.argv[2]](tmp)
    print("1 passed, 0 failed")
