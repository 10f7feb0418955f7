#!/usr/bin/python3
"""deploy/compose/create-topics.sh and register-schemas.sh, run for real with
stand-ins for the two programs they call that are not on this machine
(Kafka's kafka-topics.sh and the registry behind curl): the stand-ins record
what they were asked and answer like the real ones.

usage: test_compose_scripts.py SOURCE_DIR"""
import json
import os
import subprocess
import sys
import tempfile

SRC = sys.argv[1]
TOPICS_SH = os.path.join(SRC, "deploy/compose/create-topics.sh")
SCHEMAS_SH = os.path.join(SRC, "deploy/compose/register-schemas.sh")

FAKE_KAFKA_TOPICS = r'''#!/usr/bin/python3
# kafka-topics.sh stand-in: state in $FAKE_STATE (json: topic -> partitions, configs)
import json, os, sys
st = os.environ["FAKE_STATE"]
topics = json.load(open(st)) if os.path.exists(st) else {}
a = sys.argv[1:]
open(st + ".log", "a").write(json.dumps(a) + "\n")
def arg(name):
    return a[a.index(name) + 1] if name in a else None
assert arg("--bootstrap-server"), a
if "--create" in a:
    name = arg("--topic")
    if name not in topics:
        cfg = [a[i + 1] for i, x in enumerate(a) if x == "--config"]
        topics[name] = {"partitions": int(arg("--partitions")), "rf": int(arg("--replication-factor")),
                        "config": cfg}
    elif "--if-not-exists" not in a:
        sys.exit("topic exists")
    json.dump(topics, open(st, "w"))
elif "--describe" in a:
    t = topics[arg("--topic")]
    print(f"Topic: {arg('--topic')}\tTopicId: x\tPartitionCount: {t['partitions']}\t"
          f"ReplicationFactor: {t['rf']}\tConfigs: {','.join(t['config'])}")
    for p in range(t["partitions"]):
        print(f"\tTopic: {arg('--topic')}\tPartition: {p}\tLeader: 1")
'''

FAKE_CURL = r'''#!/usr/bin/python3
# curl stand-in for the registry: checks the request, answers {"id": N}
import json, os, sys
a = sys.argv[1:]
body = sys.stdin.read()
assert "--data-binary" in a and a[a.index("--data-binary") + 1] == "@-", a
assert "-X" in a and a[a.index("-X") + 1] == "POST", a
url = a[-1]
doc = json.loads(body)                     # the body is JSON ...
schema = json.loads(doc["schema"])         # ... whose "schema" is a schema in JSON
log = os.environ["FAKE_LOG"]
n = sum(1 for _ in open(log)) + 1 if os.path.exists(log) else 1
open(log, "a").write(json.dumps({"url": url, "schema": schema}) + "\n")
print(json.dumps({"id": n}))
'''

failed = passed = 0


def check(cond, what):
    global failed, passed
    failed += not cond
    passed += bool(cond)
    print(("ok: " if cond else "FAIL: ") + what)


def stand_in(tmp, name, text):
    p = os.path.join(tmp, name)
    open(p, "w").write(text)
    os.chmod(p, 0o755)
    return p


with tempfile.TemporaryDirectory() as tmp:
    kt = stand_in(tmp, "kafka-topics.sh", FAKE_KAFKA_TOPICS)
    state = os.path.join(tmp, "topics.json")
    env = dict(os.environ, KAFKA_TOPICS=kt, FAKE_STATE=state, BOOTSTRAP="kafka:9092")

    r = subprocess.run(["sh", TOPICS_SH], env=env, capture_output=True, text=True)
    topics = json.load(open(state)) if os.path.exists(state) else {}
    check(r.returncode == 0, f"fresh cluster: exit {r.returncode} {r.stderr.strip()}")
    check(set(topics) == {"case-events", "casewatch-state", "case-alerts", "case-events-dlq",
                          "case-alert-actions"},
          f"creates the five topics: {sorted(topics)}")
    check(topics["case-events"]["partitions"] == 12 == topics["casewatch-state"]["partitions"],
          "case-events and casewatch-state: 12 partitions each (the default)")
    check("cleanup.policy=compact" in topics["casewatch-state"]["config"],
          "casewatch-state is compacted")
    check("cleanup.policy=compact" in topics.get("case-alert-actions", {}).get("config", []),
          "case-alert-actions (the feed's actions, keyed by alert id) is compacted")
    check(all("cleanup.policy=compact" not in t["config"] and
              any(c.startswith("retention.ms=") for c in t["config"])
              for n, t in topics.items() if n not in ("casewatch-state", "case-alert-actions")),
          "the other topics are deleted by retention")
    check(any(c == f"retention.ms={14 * 86400000}" for c in topics["case-events-dlq"]["config"]),
          "the DLQ keeps 14 days")

    r = subprocess.run(["sh", TOPICS_SH], env=dict(env, CASE_EVENTS_PARTITIONS="24"),
                       capture_output=True, text=True)
    check(r.returncode == 0 and json.load(open(state))["case-events"]["partitions"] == 12,
          "second run: existing topics kept (idempotent)")

    os.remove(state)
    r = subprocess.run(["sh", TOPICS_SH], env=dict(env, CASE_EVENTS_PARTITIONS="6"),
                       capture_output=True, text=True)
    check(r.returncode == 0 and json.load(open(state))["casewatch-state"]["partitions"] == 6,
          "CASE_EVENTS_PARTITIONS=6: the changelog follows")

    # a changelog that already existed with another partition count is refused
    json.dump({"casewatch-state": {"partitions": 4, "rf": 1, "config": ["cleanup.policy=compact"]}},
              open(state, "w"))
    r = subprocess.run(["sh", TOPICS_SH], env=env, capture_output=True, text=True)
    check(r.returncode == 1 and "must be equal" in r.stderr,
          f"changelog with 4 partitions for 12 input partitions: exit {r.returncode}: "
          f"{r.stderr.strip()}")

    r = subprocess.run(["sh", TOPICS_SH], env=dict(env, CASE_EVENTS_PARTITIONS="twelve"),
                       capture_output=True, text=True)
    check(r.returncode == 2, "a partition count that is not a number: exit 2")

    r = subprocess.run(["sh", TOPICS_SH], env=dict(env, COMMAND_CONFIG="/etc/client.properties"),
                       capture_output=True, text=True)
    calls = [json.loads(l) for l in open(state + ".log")]
    check("--command-config" in calls[-1], "COMMAND_CONFIG reaches kafka-topics.sh")

    # register-schemas.sh
    curl = stand_in(tmp, "curl", FAKE_CURL)
    log = os.path.join(tmp, "registry.log")
    r = subprocess.run(["sh", SCHEMAS_SH],
                       env=dict(os.environ, CURL=curl, FAKE_LOG=log, REGISTRY="http://sr:8081",
                                SCHEMAS=os.path.join(SRC, "schemas")),
                       capture_output=True, text=True)
    check(r.returncode == 0, f"register-schemas: exit {r.returncode} {r.stderr.strip()[-500:]}")
    reqs = [json.loads(l) for l in open(log)] if os.path.exists(log) else []
    want = [("case-events-value", "case_event.avsc"), ("case-alerts-value", "alert.avsc"),
            ("casewatch-state-value", "case_state.avsc")]
    check([q["url"] for q in reqs] == [f"http://sr:8081/subjects/{s}/versions" for s, _ in want],
          "three subjects, in the order of the built-in ids 1, 2, 3")
    for q, (s, f) in zip(reqs, want):
        check(q["schema"] == json.load(open(os.path.join(SRC, "schemas", f))),
              f"{s}: the registered schema is exactly schemas/{f}")

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
