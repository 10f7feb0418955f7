#!/usr/bin/python3
"""Checks deploy/compose/compose.yaml.

usage: check_compose.py SOURCE_DIR BUILD_DIR

1. A compose implementation parses and validates it against the compose
   schema, offline: `docker compose config` (the v2 plugin) if present, else
   `docker-compose config` (Debian's docker-compose 1.29, which validates
   against its bundled compose-spec JSON schema and needs no engine). Neither
   present: that part is skipped with a message, the rest still runs.
2. Our own structural checks on the YAML (PyYAML, merge keys resolved):
   start order by health (every service_healthy target has a healthcheck,
   every service_completed_successfully target is a one-shot job, no cycles),
   images pinned, the processors (two or more, run through casewatch-run with
   casewatch-ready as health check, config files mounted and present, topics
   and bootstrap consistent with the kafka service and create-topics.sh),
   partitions >= processors, casewatch containers read-only, all
   capabilities dropped, no-new-privileges, not root; host ports on loopback;
   the feed token only from the environment; every CASEWATCH_* variable names
   a configuration key (the programs refuse others at start).
"""
import os
import re
import shutil
import subprocess
import sys

import yaml

SRC, BUILD = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
DIR = os.path.join(SRC, "deploy/compose")
FILE = os.path.join(DIR, "compose.yaml")
PROCESSOR = os.path.join(BUILD, "consumers/processor/casewatch-processor")
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def ok(msg):
    print("ok:", msg)


env = dict(os.environ, CASEWATCH_FEED_TOKEN="test-token-not-a-secret")
env.pop("CASE_EVENTS_PARTITIONS", None)

# ---- 1. a real compose implementation ----
tool = None
if shutil.which("docker") and subprocess.run(["docker", "compose", "version"],
                                             capture_output=True).returncode == 0:
    tool = ["docker", "compose"]
elif shutil.which("docker-compose"):
    tool = ["docker-compose"]
if tool:
    r = subprocess.run(tool + ["-f", FILE, "config"], capture_output=True, text=True, env=env,
                       cwd=DIR)
    version = subprocess.run(tool + ["version", "--short"], capture_output=True,
                             text=True).stdout.strip()
    if r.returncode != 0:
        fail(f"{' '.join(tool)} config: {r.stderr.strip()}")
    else:
        ok(f"{' '.join(tool)} {version} config: valid")
    # the token is required: without it compose must refuse
    e2 = dict(env)
    e2.pop("CASEWATCH_FEED_TOKEN")
    r = subprocess.run(tool + ["-f", FILE, "config"], capture_output=True, text=True, env=e2,
                       cwd=DIR)
    if r.returncode == 0 or "CASEWATCH_FEED_TOKEN" not in r.stderr:
        fail("compose accepts a missing CASEWATCH_FEED_TOKEN")
    else:
        ok("without CASEWATCH_FEED_TOKEN compose refuses to start")
else:
    print("note: neither `docker compose` nor docker-compose is installed: the compose schema "
          "validation was NOT run (Debian package docker-compose); structural checks only")

# ---- 2. structure ----
doc = yaml.safe_load(open(FILE))
svcs = doc["services"]


def deps(s):
    d = svcs[s].get("depends_on", {})
    return d if isinstance(d, dict) else {k: {"condition": "service_started"} for k in d}


for s in svcs:
    for t, c in deps(s).items():
        cond = c.get("condition", "service_started")
        if t not in svcs:
            fail(f"{s} depends on unknown service {t}")
        elif cond == "service_healthy" and "healthcheck" not in svcs[t]:
            fail(f"{s} waits for {t} to be healthy, but {t} has no healthcheck")
        elif cond == "service_completed_successfully" and svcs[t].get("restart", "no") != "no":
            fail(f"{s} waits for {t} to complete, but {t} restarts ({svcs[t].get('restart')})")


def cycle():
    state = {}

    def visit(s, path):
        if state.get(s) == 1:
            return path + [s]
        if state.get(s) == 2:
            return None
        state[s] = 1
        for t in deps(s):
            c = visit(t, path + [s]) if t in svcs else None
            if c:
                return c
        state[s] = 2
        return None

    for s in svcs:
        c = visit(s, [])
        if c:
            return c
    return None


c = cycle()
if c:
    fail("dependency cycle: " + " -> ".join(c))
ok("start order: every awaited health check and job exists, no cycle")

for s, v in svcs.items():
    img = v.get("image", "")
    if not re.search(r":[\w.${}:-]+$", img) or img.endswith(":latest"):
        fail(f"{s}: image {img!r} not pinned to a version")

processors = [s for s, v in svcs.items() if "casewatch-processor" in v.get("command", [])]
casewatch = [s for s, v in svcs.items() if v.get("image", "").startswith("casewatch:")]
if len(processors) < 2:
    fail(f"want two or more processor services, have {processors}")
else:
    ok(f"processors: {processors}")


def conf_of(service, name):
    for vol in svcs[service].get("volumes", []):
        host, _, rest = vol.partition(":")
        if rest.split(":")[0] == f"/etc/casewatch/{name}":
            return os.path.normpath(os.path.join(DIR, host))
    return None


def read_conf(path):
    out = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            k, _, v = line.partition("=")
            out[k.strip()] = v.strip()
    return out


known_keys = set()
if os.access(PROCESSOR, os.X_OK):
    dump = subprocess.run([PROCESSOR, "--print-config"], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin"}).stdout
    known_keys = set(re.findall(r"^#? ?([a-z_]+\.[a-z_.]+) =", dump, re.M))
else:
    fail(f"{PROCESSOR} not built")

kafka_env = svcs.get("kafka", {}).get("environment", {})
adv = dict(re.findall(r"(\w+)://([^,]+)", kafka_env.get("KAFKA_ADVERTISED_LISTENERS", "")))
script = open(os.path.join(DIR, "create-topics.sh")).read()
created = set(re.findall(r"^create ([\w.-]+) ", script, re.M))
same_count = re.findall(r'^create ([\w.-]+) "\$partitions"', script, re.M)
for s in processors:
    v = svcs[s]
    cmd = v["command"]
    if cmd[0] != "casewatch-run":
        fail(f"{s}: not started through casewatch-run (no readiness file)")
    if v.get("healthcheck", {}).get("test") != ["CMD", "casewatch-ready"]:
        fail(f"{s}: health check is not casewatch-ready")
    path = conf_of(s, "processor.conf")
    if not path or not os.path.exists(path) or cmd[cmd.index("--config") + 1] != \
            "/etc/casewatch/processor.conf":
        fail(f"{s}: processor.conf not mounted where --config reads it")
        continue
    conf = read_conf(path)
    if conf.get("kafka.bootstrap.servers") != adv.get("PLAINTEXT"):
        fail(f"{s}: bootstrap {conf.get('kafka.bootstrap.servers')} is not kafka's advertised "
             f"PLAINTEXT listener {adv.get('PLAINTEXT')}")
    for key, default in (("processor.input_topics", "case-events"),
                         ("processor.changelog_topic", "casewatch-state"),
                         ("processor.alert_topic", "case-alerts"),
                         ("processor.dlq_topic", "case-events-dlq")):
        if conf.get(key, default) not in created:
            fail(f"{s}: {key} = {conf.get(key, default)} is not created by create-topics.sh")
    for key in ("processor.input_topics", "processor.changelog_topic"):
        if conf.get(key) not in same_count:
            fail(f"{key} = {conf.get(key)}: not created with CASE_EVENTS_PARTITIONS partitions")
    secret = [k for k in conf if re.search(r"password|secret|hash_key|user_info|token", k)]
    if secret:
        fail(f"{path}: secrets {secret} in a file mounted from the repository")
    ms = re.match(r"(\d+)s$", conf.get("processor.report_interval", "10s"))
    if not ms or int(ms.group(1)) * 2 > 60:
        fail(f"processor.report_interval {conf.get('processor.report_interval')}: casewatch-ready "
             "needs a counter line at least every 30 s")
    if "/run/casewatch" not in " ".join(v.get("tmpfs", [])):
        fail(f"{s}: read-only container without a writable /run/casewatch for casewatch-run")
ok("processors: casewatch-run + casewatch-ready, config mounted, topics and bootstrap agree "
   "with kafka and create-topics.sh")

parts = svcs.get("topics", {}).get("environment", {}).get("CASE_EVENTS_PARTITIONS", "")
m = re.search(r"(\d+)\}?$", str(parts))
if not m or int(m.group(1)) < len(processors):
    fail(f"CASE_EVENTS_PARTITIONS default {parts!r} < {len(processors)} processors")
else:
    ok(f"{m.group(1)} partitions for {len(processors)} processors")

for s in casewatch:
    v = svcs[s]
    if v.get("read_only") is not True:
        fail(f"{s}: root filesystem not read-only")
    if v.get("cap_drop") != ["ALL"]:
        fail(f"{s}: capabilities not all dropped")
    if "no-new-privileges:true" not in v.get("security_opt", []):
        fail(f"{s}: no-new-privileges not set")
    if str(v.get("user", "10001")).split(":")[0] in ("0", "root"):
        fail(f"{s}: runs as root")
    for k in (v.get("environment") or {}):
        if k.startswith("CASEWATCH_"):
            names = {"CASEWATCH_" + key.upper().replace(".", "_")
                     for key in known_keys | {"feed.token", "feed.listen"}}
            if not (k.startswith("CASEWATCH_KAFKA_") or k in names):
                fail(f"{s}: {k} names no configuration key; the program would refuse to start")
ok(f"casewatch services {casewatch}: read-only, no capabilities, no-new-privileges, not root, "
   "CASEWATCH_* variables known")

for s, v in svcs.items():
    for p in v.get("ports", []):
        if not str(p).startswith("127.0.0.1:"):
            fail(f"{s}: port {p} published on every interface")
ok("published ports on 127.0.0.1 only")

feed = svcs.get("feed")
if not feed:
    fail("no feed service")
else:
    fconf = read_conf(conf_of("feed", "feed.conf"))
    listen = fconf.get("feed.listen", "")
    port = listen.rpartition(":")[2]
    # On the host's network and its loopback: reachable at 127.0.0.1:PORT, and
    # valid under the feed's start-up rule without TLS (test_feed_configs.py
    # starts the feed with this file).
    if feed.get("network_mode") != "host" or not listen.startswith("127.0.0.1:"):
        fail(f"feed: network_mode {feed.get('network_mode')}, feed.listen {listen}: want the "
             "host's network and its loopback")
    if feed.get("ports"):
        fail(f"feed: ports {feed.get('ports')} with the host's network")
    if feed.get("healthcheck", {}).get("test", [])[-1:] != [port]:
        fail(f"feed health check does not ask port {port}")
    if "feed.token" in fconf:
        fail("feed.token in feed.conf (a file in the repository)")
    if "?" not in str(feed.get("environment", {}).get("CASEWATCH_FEED_TOKEN", "")):
        fail("CASEWATCH_FEED_TOKEN has a default: it must be required (${VAR:?...})")
    if fconf.get("kafka.bootstrap.servers") != adv.get("HOST"):
        fail(f"feed bootstrap {fconf.get('kafka.bootstrap.servers')} is not kafka's HOST listener "
             f"{adv.get('HOST')} (the feed is on the host's network)")
    if not any(str(p) == "127.0.0.1:{0}:{0}".format(adv.get("HOST", "").rpartition(":")[2])
               for p in svcs.get("kafka", {}).get("ports", [])):
        fail(f"kafka's HOST listener {adv.get('HOST')} is not published on the host's loopback")
    for key, default in (("feed.alert_topic", "case-alerts"),
                         ("feed.changelog_topic", "casewatch-state"),
                         ("feed.actions_topic", "case-alert-actions")):
        if fconf.get(key, default) not in created:
            fail(f"feed: {key} = {fconf.get(key, default)} is not created by create-topics.sh "
                 "(without the actions topic the feed serves read-only)")
    actions = fconf.get("feed.actions_topic", "case-alert-actions")
    if not any(l.startswith(f"create {actions} ") and "cleanup.policy=compact" in l
               for l in script.replace("\\\n", " ").splitlines()):
        fail(f"feed: {actions} is not created compacted by create-topics.sh")
    ok(f"feed: on the host's network at {listen}, Kafka through its HOST listener, its topics "
       "created (actions compacted), token from the environment only")

print(f"{len(failures)} failed" if failures else "compose: all checks passed")
sys.exit(1 if failures else 0)
