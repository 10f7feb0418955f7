"""Test harness for the Kafka components: an embedded broker started on
loopback for each test, processors as subprocesses, producing and reading
topics with confluent_kafka (Debian's python3-confluent-kafka)."""
import atexit
import json
import os
import signal
import subprocess
import tempfile
import time

from confluent_kafka import Consumer, Producer, TopicPartition

BUILD = os.environ.get("CW_BUILD", "build")
BROKER = os.path.join(BUILD, "deploy/local/broker/casewatch-broker")
PROCESSOR = os.path.join(BUILD, "consumers/processor/casewatch-processor")
REPLAY = os.path.join(BUILD, "consumers/replay/casewatch-replay")


_children = []


@atexit.register
def _kill_children():
    """No broker or processor outlives its test, whatever happened."""
    for proc in _children:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


class Broker:
    def __init__(self, topics):
        args = [BROKER]
        for name, parts in topics.items():
            args += ["--topic", f"{name}:{parts}"]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
        _children.append(self.proc)
        line = self.proc.stdout.readline().strip()
        assert line.startswith("bootstrap="), line
        self.bootstrap = line.split("=", 1)[1]

    def command(self, cmd):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)


class Processor:
    """A casewatch-processor with its own config file; stderr kept for asserts."""

    def __init__(self, broker, tmp, name, extra=None):
        self.conf = os.path.join(tmp, f"{name}.conf")
        self.log = os.path.join(tmp, f"{name}.log")
        settings = {
            "kafka.bootstrap.servers": broker.bootstrap,
            "kafka.session.timeout.ms": "6000",
            "kafka.heartbeat.interval.ms": "500",
            "kafka.fetch.wait.max.ms": "20",
            "processor.live_grace": "0s",
            "processor.report_interval": "1s",
            "processor.poll_timeout": "20ms",
        }
        settings.update(extra or {})
        with open(self.conf, "w") as f:
            for k, v in settings.items():
                f.write(f"{k} = {v}\n")
        os.chmod(self.conf, 0o600)
        self.proc = subprocess.Popen([PROCESSOR, "--config", self.conf],
                                     stderr=open(self.log, "w"))
        _children.append(self.proc)

    def kill9(self):
        self.proc.kill()
        self.proc.wait(10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(30)
        return self.proc.returncode

    def logtext(self):
        return open(self.log).read()


def produce(bootstrap, topic, lines, partition_of=None):
    """Produces JSON-lines events keyed by subject (raw lines keyed as given:
    (key, value) or (key, value, headers))."""
    p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
                  "linger.ms": 5})
    for item in lines:
        kw = {}
        if isinstance(item, tuple):
            key, value = item[:2]
            if len(item) > 2 and item[2]:
                kw["headers"] = item[2]
        else:
            key, value = json.loads(item)["subject"], item
        if partition_of:
            kw["partition"] = partition_of(key)
        p.produce(topic, key=key, value=value, **kw)
        p.poll(0)
    assert p.flush(30) == 0


def read_all(bootstrap, topic, partitions, idle_s=3.0, want=None, timeout_s=120):
    """Reads every message of a topic from the start until `want` messages have
    been read (if given) and nothing new arrived for idle_s."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "cw-test-reader",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest",
                  "fetch.wait.max.ms": 20})
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    out, last, start = [], time.time(), time.time()
    while time.time() - start < timeout_s:
        m = c.poll(0.1)
        if m is None:
            if time.time() - last > idle_s and (want is None or len(out) >= want):
                break
            continue
        if m.error():
            continue
        out.append(m)
        last = time.time()
    c.close()
    return out


def alerts_of(msgs):
    return [json.loads(m.value()) for m in msgs]


def wait_for(pred, timeout_s=60, step=0.2):
    start = time.time()
    while time.time() - start < timeout_s:
        if pred():
            return True
        time.sleep(step)
    return False


def replay(lines, until=None):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as f:
        f.write("\n".join(lines) + "\n")
        f.flush()
        args = [REPLAY, "--dlq", "/dev/null"] + (["--until", until] if until else []) + [f.name]
        out = subprocess.run(args, capture_output=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines()]


def partition_of(n):
    """Explicit partitioning by case id, so a test knows each case's partition."""
    import zlib
    return lambda key: zlib.crc32(key.encode() if isinstance(key, str) else key) % n


def replay_per_partition(lines, n, until):
    """What the processor must produce: its clock is per partition (stream time
    of that partition's events), so the reference is the replay of each
    partition's events on their own."""
    part = partition_of(n)
    groups = [[] for _ in range(n)]
    for l in lines:
        groups[part(json.loads(l)["subject"])].append(l)
    out = []
    for g in groups:
        if g:
            out += replay(g, until=until)
    return out


def event(i, time_, typ, case, **data):
    d = {"municipality": "0180"}
    d.update(data)
    return json.dumps({"specversion": "1.0", "id": f"{case}-e{i}", "source": "urn:test",
                       "type": "se.casewatch." + typ, "time": time_, "subject": case,
                       "data": d})
