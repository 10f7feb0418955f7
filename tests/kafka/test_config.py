#!/usr/bin/python3
"""The example configuration (deploy/local/processor.conf) on the embedded
broker: every kafka.* key reaches only the clients it is for, so librdkafka
warns about none (CONFWARN), and the processor joins and works.

Usage: test_config.py BUILD_DIR TEST_NAME"""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
os.environ["CW_BUILD"] = sys.argv[1]
import harness as h  # noqa: E402
import test_processor as tp  # noqa: E402

EXAMPLE = os.path.join(tp.ROOT, "deploy/local/processor.conf")


def test_example_config(tmp):
    lines = tp.generated(20, seed=4)
    b = h.Broker(tp.TOPICS(2))
    log = os.path.join(tmp, "example.log")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWATCH_")}
    env.update({"CASEWATCH_KAFKA_BOOTSTRAP_SERVERS": b.bootstrap,
                "CASEWATCH_PROCESSOR_REPORT_INTERVAL": "1s"})
    try:
        h.produce(b.bootstrap, "case-events", lines, h.partition_of(2))
        proc = subprocess.Popen([h.PROCESSOR, "--config", EXAMPLE], env=env,
                                stderr=open(log, "w"))
        h._children.append(proc)
        text = lambda: open(log).read()  # noqa: E731
        assert h.wait_for(lambda: f"consumed={len(lines)} " in text(), 60), text()[-2000:]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, text()[-2000:]
        # keys for one kind of client only, in the example: one for each
        keys = [l.split("=")[0].strip() for l in open(EXAMPLE) if l.startswith("kafka.")]
        assert "kafka.session.timeout.ms" in keys and "kafka.heartbeat.interval.ms" in keys, keys
        warns = [l for l in text().splitlines() if "CONFWARN" in l]
        assert not warns, "\n".join(warns)
        # a DLQ limit the producer's message.max.bytes cannot carry stops start-up
        bad = dict(env, CASEWATCH_PROCESSOR_DLQ_MAX_BYTES="999000")
        r = subprocess.run([h.PROCESSOR, "--config", EXAMPLE], env=bad, capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 1 and "processor.dlq_max_bytes = 999000: must be at most " \
            "kafka.message.max.bytes (1000000) - 4096" in r.stderr, r.stderr[-1500:]
        print(f"example config: {len(keys)} kafka keys ({', '.join(keys)}), no CONFWARN, "
              f"{len(lines)} events consumed, clean exit")
    finally:
        b.stop()


if __name__ == "__main__":
    name = sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.time()
        globals()["test_" + name](tmp)
        print(f"{name}: {time.time() - t0:.1f} s")
    print("1 passed, 0 failed")
