"""Test harness for the Kafka components: a broker started on loopback for
each test, processors as subprocesses, producing and reading topics with
confluent_kafka (Debian's python3-confluent-kafka).

The broker is the embedded one (casewatch-broker, librdkafka's mock cluster)
unless CW_KAFKA=real: then it is a real Apache Kafka started with
deploy/kafka/kafka.sh (label kafka_real), its topics created with the Admin
API, the processor's changelog compacted. Either way it is stopped when the
test ends, also when it fails (try/finally in the tests, `with`, and an
atexit hook; a real broker left behind by a killed test run is stopped by the
next one)."""
import atexit
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

from confluent_kafka import Consumer, Producer, TopicPartition

BUILD = os.environ.get("CW_BUILD", "build")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KAFKA_SH = os.path.join(ROOT, "deploy/kafka/kafka.sh")
REGISTRY_SH = os.path.join(ROOT, "deploy/kafka/registry.sh")
REAL = os.environ.get("CW_KAFKA") == "real"
# Where real brokers keep their data: one directory per broker, named after
# the test process, so that a broker whose test was killed is found again.
REAL_ROOT = os.path.join(tempfile.gettempdir(), "casewatch-kafka-real")
CHANGELOG = "casewatch-state"
BROKER = os.path.join(BUILD, "deploy/local/broker/casewatch-broker")
PROCESSOR = os.path.join(BUILD, "consumers/processor/casewatch-processor")
REPLAY = os.path.join(BUILD, "consumers/replay/casewatch-replay")


_children = []
_servers = []  # real brokers and registries: objects with stop()


@atexit.register
def _kill_children():
    """No broker or processor outlives its test, whatever happened."""
    for proc in _children:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for srv in reversed(_servers):
        srv.stop()


def _on_sigterm(signum, frame):
    """SIGTERM (ctest's timeout, a CI cancel): unwind, so that `finally`
    blocks and the atexit hook stop the brokers."""
    raise SystemExit(128 + signum)


signal.signal(signal.SIGTERM, _on_sigterm)


def Broker(topics, configs=None):
    """The broker of this run (embedded, or real Kafka with CW_KAFKA=real),
    with `topics` ({name: partitions}) created. configs: {topic: {k: v}}
    extra topic configs (real Kafka only)."""
    return RealBroker(topics, configs) if REAL else EmbeddedBroker(topics)


class EmbeddedBroker:
    real = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def outage(self, seconds):
        """All brokers down for a while, then up again."""
        assert self.command("down -1") == "ok"
        time.sleep(seconds)
        assert self.command("up -1") == "ok"

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
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)


def _stop_leftovers():
    """Real brokers and registries of test processes that no longer exist
    (a test killed by a timeout) are stopped and their directories removed."""
    if not os.path.isdir(REAL_ROOT):
        return
    for name in os.listdir(REAL_ROOT):
        try:
            pid = int(name.split("-")[0])
            os.kill(pid, 0)
            continue  # its test still runs
        except (ValueError, ProcessLookupError):
            pass
        except PermissionError:
            continue
        _stop_dir(os.path.join(REAL_ROOT, name))


def _stop_dir(d):
    """Stops the registry and the broker of a real-broker directory, then
    removes it (the registry's directory is inside the broker's)."""
    subprocess.run([REGISTRY_SH, "stop", os.path.join(d, "registry")], capture_output=True)
    subprocess.run([KAFKA_SH, "stop", d], capture_output=True)
    shutil.rmtree(d, ignore_errors=True)


def _script(args, what):
    t0 = time.time()
    r = subprocess.run(args, capture_output=True, text=True)
    assert r.returncode == 0, f"{what}: {r.stderr[-3000:]}"
    out = dict(line.split("=", 1) for line in r.stdout.split() if "=" in line)
    return out, time.time() - t0


class RealBroker:
    """A real Apache Kafka (deploy/kafka/kafka.sh) in its own directory."""
    real = True

    def __init__(self, topics, configs=None):
        _stop_leftovers()
        os.makedirs(REAL_ROOT, exist_ok=True)
        self.dir = tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=REAL_ROOT)
        _servers.append(self)
        self.start()
        print(f"real kafka: started in {self.start_s:.1f} s")
        self.create_topics(topics, configs)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        """Starts it, or restarts it on its log directory and ports."""
        out, self.start_s = _script([KAFKA_SH, "start", self.dir], "kafka.sh start")
        self.bootstrap = out["bootstrap"]
        self.sasl_bootstrap = out["sasl_bootstrap"]

    def admin(self):
        from confluent_kafka.admin import AdminClient
        return AdminClient({"bootstrap.servers": self.bootstrap})

    def create_topics(self, topics, configs=None):
        """Topics with the Admin API; the changelog compacted."""
        from confluent_kafka.admin import NewTopic
        configs = configs or {}
        new = []
        for name, parts in topics.items():
            conf = {"cleanup.policy": "compact"} if name == CHANGELOG else {}
            conf.update(configs.get(name, {}))
            new.append(NewTopic(name, num_partitions=parts, replication_factor=1, config=conf))
        a = self.admin()  # kept alive until the futures are done
        for name, f in a.create_topics(new, operation_timeout=30).items():
            f.result()
        # Wait until every partition has a leader (metadata propagated).
        assert wait_for(lambda: all(
            t in md.topics and all(p.leader >= 0 for p in md.topics[t].partitions.values())
            for md in [a.list_topics(timeout=10)] for t in topics), 30)

    def offset_commits(self, group):
        """Every offset commit record of `group` in __consumer_offsets, read
        from the broker's log segments (kafka.tools.DumpLogSegments): a list
        of (transactional, "topic-partition"). A commit inside a transaction
        is written in a transactional batch; a plain OffsetCommit is not."""
        data = os.path.join(self.dir, "data")
        files = sorted(os.path.join(data, d, f) for d in os.listdir(data)
                       if d.startswith("__consumer_offsets-")
                       for f in os.listdir(os.path.join(data, d)) if f.endswith(".log"))
        r = subprocess.run([KAFKA_SH, "tool", "kafka.tools.DumpLogSegments", "--offsets-decoder",
                            "--files", ",".join(files)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-2000:]
        out, txn = [], None
        for line in r.stdout.splitlines():
            if line.startswith("baseOffset:"):
                txn = "isTransactional: true" in line
            elif line.startswith("| offset:") and " key: " in line:
                key = json.loads(line.split(" key: ", 1)[1].split(" payload: ", 1)[0])
                d = key.get("data", {})
                if str(key.get("type")) in ("0", "1") and d.get("group") == group:
                    out.append((txn, f"{d['topic']}-{d['partition']}"))
        return out

    def kill9(self):
        """An outage: the broker process is killed with SIGKILL."""
        _script([KAFKA_SH, "kill", self.dir], "kafka.sh kill")

    def outage(self, seconds):
        self.kill9()
        time.sleep(seconds)
        self.start()

    def command(self, cmd):
        raise NotImplementedError(f"{cmd!r}: an embedded-broker command (see outage())")

    def stop(self):
        if os.path.isdir(self.dir):
            _stop_dir(self.dir)


class Registry:
    """A real Confluent-compatible Schema Registry (deploy/kafka/registry.sh:
    Apicurio, its schemas stored on the given real broker)."""

    def __init__(self, broker):
        self.broker = broker
        self.dir = os.path.join(broker.dir, "registry")
        os.makedirs(self.dir, exist_ok=True)
        _servers.append(self)
        self.start()

    def start(self):
        out, self.start_s = _script([REGISTRY_SH, "start", self.dir, self.broker.bootstrap],
                                    "registry.sh start")
        self.url = out["registry"]

    def stop(self):
        if os.path.isdir(self.dir):
            subprocess.run([REGISTRY_SH, "stop", self.dir], capture_output=True)


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


def read_all(bootstrap, topic, partitions, idle_s=3.0, want=None, timeout_s=120,
             isolation="read_committed"):
    """Reads every message of a topic from the start until `want` messages have
    been read (if given) and nothing new arrived for idle_s. read_committed
    (librdkafka's default, made explicit) or read_uncommitted."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "cw-test-reader",
                  "enable.auto.commit": False, "auto.offset.reset": "earliest",
                  "fetch.wait.max.ms": 20, "isolation.level": isolation})
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
