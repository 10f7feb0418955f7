#!/usr/bin/python3
"""Checks deploy/kubernetes without a cluster.

usage: check_kubernetes.py SOURCE_DIR BUILD_DIR

1. `kubectl kustomize deploy/kubernetes` builds the set for real (offline:
   YAML syntax, the kustomization, generated ConfigMaps and their names
   rewritten into the workloads, the image transformer). Without kubectl the
   files are read as they are (said so in the output). kubectl's schema
   validation (`apply --dry-run`) needs an API server, which is not here.
2. Our structural schema on the built objects (PyYAML): known kind /
   apiVersion pairs and required fields; selectors match template labels;
   every Service, PodDisruptionBudget and NetworkPolicy selects a workload;
   Service targetPorts and probe ports name container ports; volumes, the
   ServiceAccount, ConfigMaps and Secrets referred to exist (Secrets in
   secret.example.yaml); the "restricted" Pod Security Standard (non-root
   numeric user, no privilege escalation, read-only root, all capabilities
   dropped, RuntimeDefault seccomp, allowed volume types) and the namespace
   enforcing it; images pinned; requests and limits set.
3. casewatch specifics: replicas <= partitions (the StatefulSet's annotation,
   and both topics of topics-strimzi.yaml); the changelog compacted with the
   input's partition count; memory request and limit recomputed from the
   sizing annotations; readiness by casewatch-run + casewatch-ready with a
   writable /run/casewatch; enableServiceLinks off (else Kubernetes adds
   CASEWATCH_FEED_* variables the programs refuse); every CASEWATCH_*
   variable and Secret key names a key of the program that reads it;
   processor.conf from the generated ConfigMap accepted by the real
   casewatch-processor --print-config; feed.listen matches the container port.
"""
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

SRC, BUILD = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
DIR = os.path.join(SRC, "deploy/kubernetes")
PROCESSOR = os.path.join(BUILD, "consumers/processor/casewatch-processor")
# The programs of the image: what the Dockerfile's build stage collects into
# /out/bin (its "for p in ...; do" loop; check_dockerfile.py checks that loop
# against the source) and the scripts it copies to /usr/local/bin.
_dockerfile = open(os.path.join(SRC, "deploy/container/Dockerfile")).read().replace("\\\n", " ")
_loop = re.search(r"for p in ([^;]*);", _dockerfile)
IMAGE_PROGRAMS = set(_loop.group(1).split()) if _loop else set()
IMAGE_PROGRAMS |= set(re.findall(r"deploy/container/(casewatch-[\w-]+)", _dockerfile))
KINDS = {"Namespace": "v1", "ServiceAccount": "v1", "ConfigMap": "v1", "Secret": "v1",
         "Service": "v1", "StatefulSet": "apps/v1", "Deployment": "apps/v1",
         "PodDisruptionBudget": "policy/v1", "NetworkPolicy": "networking.k8s.io/v1",
         "KafkaTopic": "kafka.strimzi.io/v1beta2"}
CLUSTER_SCOPED = {"Namespace"}
RESTRICTED_VOLUMES = {"configMap", "secret", "emptyDir", "projected", "downwardAPI",
                      "persistentVolumeClaim", "ephemeral", "csi"}
BASE_MIB = 128  # librdkafka buffers (two consumers at 16 MiB each, the producer) + program
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def ok(msg):
    print("ok:", msg)


# ---- 1. build ----
if shutil.which("kubectl"):
    r = subprocess.run(["kubectl", "kustomize", DIR], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"kubectl kustomize: {r.stderr.strip()}")
        sys.exit(1)
    docs = [d for d in yaml.safe_load_all(r.stdout) if d]
    ver = subprocess.run(["kubectl", "version", "--client"], capture_output=True,
                         text=True).stdout.split("\n")
    ok(f"kubectl kustomize builds {len(docs)} objects ({'; '.join(v for v in ver if v)})")
    built = True
else:
    print("note: kubectl is not installed: the kustomization was NOT built; checking the files")
    kz = yaml.safe_load(open(os.path.join(DIR, "kustomization.yaml")))
    docs = [d for f in kz["resources"] for d in yaml.safe_load_all(open(os.path.join(DIR, f)))
            if d]
    for g in kz.get("configMapGenerator", []):
        docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": g["name"]},
                     "data": {os.path.basename(f): open(os.path.join(DIR, f)).read()
                              for f in g["files"]}})
    built = False
secrets = [d for d in yaml.safe_load_all(open(os.path.join(DIR, "secret.example.yaml"))) if d]
topics = [d for d in yaml.safe_load_all(open(os.path.join(DIR, "topics-strimzi.yaml"))) if d]

# ---- 2. generic structure ----
by_kind = {}
for d in docs + secrets + topics:
    kind, api, meta = d.get("kind"), d.get("apiVersion"), d.get("metadata") or {}
    name = meta.get("name", "")
    if KINDS.get(kind) != api:
        fail(f"{kind} {name}: apiVersion {api!r}, want {KINDS.get(kind)!r}")
    if not re.match(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", name):
        fail(f"{kind}: bad name {name!r}")
    by_kind.setdefault(kind, {})[name] = d
for d in docs:
    if built and d["kind"] not in CLUSTER_SCOPED and d["metadata"].get("namespace") != "casewatch":
        fail(f"{d['kind']} {d['metadata']['name']}: not in namespace casewatch")
ok(f"{len(docs)} objects + {len(secrets)} example Secrets + {len(topics)} KafkaTopics: known "
   "kinds and apiVersions, valid names" + (", namespace casewatch" if built else ""))

ns = by_kind.get("Namespace", {}).get("casewatch")
if not ns or ns["metadata"].get("labels", {}).get("pod-security.kubernetes.io/enforce") != \
        "restricted":
    fail("namespace casewatch does not enforce the restricted Pod Security Standard")

workloads = {**by_kind.get("StatefulSet", {}), **by_kind.get("Deployment", {})}


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def selected(selector):
    return [n for n, w in workloads.items()
            if matches(selector, w["spec"]["template"]["metadata"].get("labels", {}))]


def container_ports(w):
    return {p.get("name"): p["containerPort"] for c in w["spec"]["template"]["spec"]["containers"]
            for p in c.get("ports", [])}


for n, w in workloads.items():
    spec = w["spec"]
    if not matches(spec["selector"].get("matchLabels"), spec["template"]["metadata"]["labels"]):
        fail(f"{n}: selector does not match its pod labels")
    if len(selected(spec["selector"]["matchLabels"])) != 1:
        fail(f"{n}: its selector also selects other workloads' pods")
    pod = spec["template"]["spec"]
    psc = pod.get("securityContext", {})
    if psc.get("runAsNonRoot") is not True or not psc.get("runAsUser"):
        fail(f"{n}: pod not runAsNonRoot with a non-zero runAsUser")
    if psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        fail(f"{n}: seccompProfile not RuntimeDefault")
    for k in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(k):
            fail(f"{n}: {k}")
    if pod.get("enableServiceLinks") is not False:
        fail(f"{n}: enableServiceLinks not false (Kubernetes would add CASEWATCH_FEED_* variables, "
             "which the programs refuse)")
    if pod.get("automountServiceAccountToken") is not False:
        fail(f"{n}: the API token is mounted (casewatch needs none)")
    sa = pod.get("serviceAccountName")
    if sa and sa not in by_kind.get("ServiceAccount", {}):
        fail(f"{n}: ServiceAccount {sa} not defined")
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    for v in vols.values():
        types = set(v) - {"name"}
        if not types <= RESTRICTED_VOLUMES:
            fail(f"{n}: volume {v['name']} of type {types} not allowed by 'restricted'")
        if "configMap" in v and v["configMap"]["name"] not in by_kind.get("ConfigMap", {}):
            fail(f"{n}: ConfigMap {v['configMap']['name']} does not exist")
        if "secret" in v and v["secret"]["secretName"] not in by_kind.get("Secret", {}):
            fail(f"{n}: Secret {v['secret']['secretName']} not in secret.example.yaml")
    for c in pod["containers"]:
        cn = f"{n}/{c['name']}"
        img = c.get("image", "")
        if ":" not in img.rsplit("/", 1)[-1] or img.endswith(":latest"):
            fail(f"{cn}: image {img} not pinned")
        csc = c.get("securityContext", {})
        if csc.get("allowPrivilegeEscalation") is not False:
            fail(f"{cn}: allowPrivilegeEscalation not false")
        if csc.get("readOnlyRootFilesystem") is not True:
            fail(f"{cn}: root filesystem writable")
        if "ALL" not in csc.get("capabilities", {}).get("drop", []) or \
                csc.get("capabilities", {}).get("add"):
            fail(f"{cn}: capabilities not all dropped")
        if csc.get("privileged") or csc.get("runAsUser") == 0:
            fail(f"{cn}: privileged or root")
        res = c.get("resources", {})
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in res.get(part, {}):
                    fail(f"{cn}: no {part}.{r}")
        for m in c.get("volumeMounts", []):
            if m["name"] not in vols:
                fail(f"{cn}: volumeMount {m['name']} has no volume")
        ports = container_ports(w)
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            port = c.get(probe, {}).get("httpGet", {}).get("port")
            if port is not None and port not in ports and port not in ports.values():
                fail(f"{cn}: {probe} port {port} is no container port")
        if "readinessProbe" not in c:
            fail(f"{cn}: no readiness probe")
        if c.get("command", [""])[0] not in IMAGE_PROGRAMS:
            fail(f"{cn}: command {c.get('command')} is no program of the image")
        for ef in c.get("envFrom", []):
            sn = ef.get("secretRef", {}).get("name")
            if sn and sn not in by_kind.get("Secret", {}):
                fail(f"{cn}: Secret {sn} not in secret.example.yaml")
ok(f"workloads {sorted(workloads)}: selectors, restricted security contexts, resources, volumes, "
   "probes, references")

for n, s in by_kind.get("Service", {}).items():
    targets = selected(s["spec"].get("selector"))
    if len(targets) != 1:
        fail(f"Service {n} selects {targets}")
        continue
    ports = container_ports(workloads[targets[0]])
    for p in s["spec"].get("ports", []):
        t = p.get("targetPort", p["port"])
        if t not in ports and t not in ports.values():
            fail(f"Service {n}: targetPort {t} is no container port of {targets[0]}")
for n, p in by_kind.get("PodDisruptionBudget", {}).items():
    targets = selected(p["spec"]["selector"].get("matchLabels"))
    if len(targets) != 1:
        fail(f"PodDisruptionBudget {n} selects {targets}")
        continue
    replicas = workloads[targets[0]]["spec"].get("replicas", 1)
    mu, ma = p["spec"].get("maxUnavailable"), p["spec"].get("minAvailable")
    if (mu is None) == (ma is None):
        fail(f"PodDisruptionBudget {n}: exactly one of maxUnavailable, minAvailable")
    elif (mu is not None and not 0 < mu < replicas) or (ma is not None and not 0 < ma < replicas):
        fail(f"PodDisruptionBudget {n}: with {replicas} replicas it blocks every eviction or "
             "allows all")
for n, p in by_kind.get("NetworkPolicy", {}).items():
    targets = selected(p["spec"]["podSelector"].get("matchLabels"))
    if len(targets) != 1:
        fail(f"NetworkPolicy {n} selects {targets}")
        continue
    ports = container_ports(workloads[targets[0]])
    for rule in p["spec"].get("ingress", []):
        for pp in rule.get("ports", []):
            if pp["port"] not in ports and pp["port"] not in ports.values():
                fail(f"NetworkPolicy {n}: port {pp['port']} is no container port")
ok("Services, PodDisruptionBudgets and NetworkPolicies each select one workload; ports agree")

# ---- 3. casewatch ----
sts = by_kind.get("StatefulSet", {}).get("casewatch-processor")
feed = by_kind.get("Deployment", {}).get("casewatch-feed")
if not sts or not feed:
    fail("want StatefulSet casewatch-processor and Deployment casewatch-feed")
    print(f"{len(failures)} failed")
    sys.exit(1)
ann = sts["metadata"].get("annotations", {})
P = int(ann.get("casewatch.se/input-partitions", 0))
R = sts["spec"]["replicas"]
if not 2 <= R <= P:
    fail(f"replicas {R}: want 2 <= replicas <= partitions ({P})")
tp = {t["metadata"]["name"]: t["spec"] for t in topics}
pconf_text = None
for c in by_kind["ConfigMap"].values():
    if "processor.conf" in c.get("data", {}):
        pconf_text = c["data"]["processor.conf"]
conf = dict((k.strip(), v.strip()) for k, _, v in
            (l.partition("=") for l in (pconf_text or "").splitlines()
             if l.strip() and not l.strip().startswith("#")))
inp = conf.get("processor.input_topics", "case-events")
chg = conf.get("processor.changelog_topic", "casewatch-state")
for t in (inp, chg, conf.get("processor.alert_topic", "case-alerts"),
          conf.get("processor.dlq_topic", "case-events-dlq")):
    if t not in tp:
        fail(f"topic {t} of processor.conf not in topics-strimzi.yaml")
if tp.get(inp, {}).get("partitions") != P or tp.get(chg, {}).get("partitions") != P:
    fail(f"{inp} and {chg} must both have {P} partitions (the annotation): "
         f"{tp.get(inp, {}).get('partitions')}, {tp.get(chg, {}).get('partitions')}")
if tp.get(chg, {}).get("config", {}).get("cleanup.policy") != "compact":
    fail(f"{chg} is not compacted")
ok(f"replicas {R} <= {P} partitions; {inp} and {chg} have {P} each, {chg} compacted")


def mib(q):
    m = re.match(r"^(\d+)(Mi|Gi)$", str(q))
    return int(m.group(1)) * (1024 if m.group(2) == "Gi" else 1) if m else 0


cases = int(ann.get("casewatch.se/planned-open-cases", 0))
bpc = int(ann.get("casewatch.se/bytes-per-case", 0))
pc = sts["spec"]["template"]["spec"]["containers"][0]
per_part = cases / P if P else 0
need_req = BASE_MIB + math.ceil(P / R) * per_part * bpc * 2 / 2**20
need_lim = BASE_MIB + math.ceil(P / max(R - 1, 1)) * per_part * bpc * 2 / 2**20
req, lim = mib(pc["resources"]["requests"]["memory"]), mib(pc["resources"]["limits"]["memory"])
if not cases or not bpc or req < need_req or lim < need_lim:
    fail(f"memory request {req} MiB / limit {lim} MiB: the sizing annotations ({cases} cases, "
         f"{bpc} B each, {P} partitions, {R} replicas) need >= {need_req:.0f} / {need_lim:.0f} MiB")
else:
    ok(f"memory request {req} MiB >= {need_req:.0f} ({math.ceil(P / R)} partitions of "
       f"{per_part:.0f} cases x {bpc} B x 2 + {BASE_MIB}), limit {lim} MiB >= {need_lim:.0f} "
       f"({math.ceil(P / max(R - 1, 1))} partitions with one pod away)")

if pc["command"][:2] != ["casewatch-run", "casewatch-processor"] or \
        pc["readinessProbe"].get("exec", {}).get("command") != ["casewatch-ready"]:
    fail("processor: not started by casewatch-run with casewatch-ready as readiness probe")
pvols = {v["name"]: v for v in sts["spec"]["template"]["spec"]["volumes"]}
run = [m for m in pc["volumeMounts"] if m["mountPath"] == "/run/casewatch"]
if not run or "emptyDir" not in pvols.get(run[0]["name"], {}) or run[0].get("readOnly"):
    fail("processor: no writable emptyDir at /run/casewatch for casewatch-run")
iid = [e for e in pc.get("env", []) if e["name"] == "CASEWATCH_KAFKA_GROUP_INSTANCE_ID"]
if not iid or iid[0].get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") != "metadata.name":
    fail("processor: group.instance.id is not the pod name")
m = re.match(r"(\d+)s$", conf.get("processor.report_interval", "10s"))
if not m or int(m.group(1)) * 2 > 60:
    fail("processor.report_interval too long for casewatch-ready's 60 s limit")
ok("processor: casewatch-run + casewatch-ready, writable /run/casewatch, static membership by "
   "pod name")

# configuration keys
known = set()
if os.access(PROCESSOR, os.X_OK):
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
        f.write(pconf_text or "")
        f.flush()
        r = subprocess.run([PROCESSOR, "--config", f.name, "--print-config"], capture_output=True,
                           text=True, env={"PATH": "/usr/bin:/bin"})
    if r.returncode != 0:
        fail(f"casewatch-processor refuses the ConfigMap's processor.conf: {r.stderr.strip()}")
    else:
        ok("casewatch-processor --print-config accepts the ConfigMap's processor.conf")
    known = set(re.findall(r"^#? ?([a-z_]+\.[a-z_.]+) =", r.stdout, re.M))
else:
    fail(f"{PROCESSOR} not built")
# The feed's keys, from the built feed (its start-up rule on these files is
# tested by test_feed_configs.py, which runs it).
FEED = os.path.join(BUILD, "consumers/feed/casewatch-feed")
FEED_KEYS = set()
if os.access(FEED, os.X_OK):
    r = subprocess.run([FEED, "--print-config"], capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin"})
    FEED_KEYS = set(re.findall(r"^#? ?([a-z_]+\.[a-z_.]+) =", r.stdout, re.M))
if "feed.listen" not in FEED_KEYS:
    fail(f"{FEED}: not built, or --print-config names no feed.listen")


def env_name(key):
    """The variable the configuration loader reads for a key (dots become _)."""
    return "CASEWATCH_" + key.upper().replace(".", "_")


def check_vars(who, names, keys):
    for v in names:
        if v.startswith("CASEWATCH_"):
            if not (v.startswith("CASEWATCH_KAFKA_") or v in {env_name(k) for k in keys}):
                fail(f"{who}: {v} names no configuration key (the program would not start)")


for n, w, keys in (("casewatch-processor", sts, known), ("casewatch-feed", feed, FEED_KEYS)):
    c = w["spec"]["template"]["spec"]["containers"][0]
    check_vars(n, [e["name"] for e in c.get("env", [])], keys)
    for ef in c.get("envFrom", []):
        s = by_kind.get("Secret", {}).get(ef.get("secretRef", {}).get("name"))
        if s:
            check_vars(f"{n} (Secret {s['metadata']['name']})", s.get("stringData", {}), keys)
kafka_secret = by_kind.get("Secret", {}).get("casewatch-kafka", {}).get("stringData", {})
if any(not k.startswith("CASEWATCH_KAFKA_") for k in kafka_secret):
    fail("Secret casewatch-kafka holds more than kafka.* keys (it is read by both programs)")
for s in by_kind.get("Secret", {}).values():
    for k, v in s.get("stringData", {}).items():
        if re.search(r"PASSWORD|TOKEN|HASH_KEY|USER_INFO", k) and "REPLACE-ME" not in v:
            fail(f"secret.example.yaml: {k} holds something other than a placeholder")
ok("every CASEWATCH_* variable and Secret key names a key of its program; secrets are "
   "placeholders")

fconf_text = next((c["data"]["feed.conf"] for c in by_kind["ConfigMap"].values()
                   if "feed.conf" in c.get("data", {})), "")
fconf = dict((k.strip(), v.strip()) for k, _, v in
             (l.partition("=") for l in fconf_text.splitlines()
              if l.strip() and not l.strip().startswith("#")))
bad = [k for k in fconf if not (k.startswith("kafka.") or k in FEED_KEYS)]
if bad or "feed.token" in fconf:
    fail(f"feed.conf: unknown keys {bad} or a token in the ConfigMap")
listen = fconf.get("feed.listen", "")
if not listen.startswith("0.0.0.0:") or int(listen.rpartition(":")[2]) not in \
        container_ports(feed).values():
    fail(f"feed.listen {listen}: not on all interfaces at the container port")
if conf.get("kafka.bootstrap.servers") != fconf.get("kafka.bootstrap.servers"):
    fail("processor and feed use different Kafka clusters")
for key, default in (("feed.alert_topic", "case-alerts"), ("feed.changelog_topic", "casewatch-state"),
                     ("feed.actions_topic", "case-alert-actions")):
    if fconf.get(key, default) not in tp:
        fail(f"topic {fconf.get(key, default)} of feed.conf ({key}) not in topics-strimzi.yaml")
actions = fconf.get("feed.actions_topic", "case-alert-actions")
if tp.get(actions, {}).get("config", {}).get("cleanup.policy") != "compact":
    fail(f"{actions} (the feed's actions, keyed by alert id) is not compacted")
ok(f"feed.conf: known keys, listens on {listen}, the container port; same cluster as the "
   "processor")

print(f"{len(failures)} failed" if failures else "kubernetes: all checks passed")
sys.exit(1 if failures else 0)
