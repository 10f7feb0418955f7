#!/bin/sh
# The demo: installs what is missing, builds, starts the embedded broker, the
# processor (and the feed, when built), feeds a realistic caseload at a pace
# a person can watch, and shows the alerts as they arrive.
#
#   deploy/local/demo.sh [--for SECONDS]      (or CASEWATCH_DEMO_SECONDS=N)
#   CASEWATCH_DEMO_PORT=N: the dashboard's port (default 8080)
#   CASEWATCH_BROKER=kafka: a real Apache Kafka and Schema Registry
#     (deploy/kafka/, Java) instead of the embedded broker, the simulator
#     writing Avro through the registry; the default, embedded, needs no JVM
#
# Ctrl-C stops everything. Without a bound it runs until interrupted.
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)
seconds=${CASEWATCH_DEMO_SECONDS:-0}
if [ "${1:-}" = "--for" ] && [ -n "${2:-}" ]; then seconds=$2; fi
case "$seconds" in *[!0-9]*) echo "demo: --for takes a number of seconds" >&2; exit 2 ;; esac
port=${CASEWATCH_DEMO_PORT:-8080}
broker=${CASEWATCH_BROKER:-embedded}
case "$broker" in embedded|kafka) ;; *) echo "demo: CASEWATCH_BROKER is embedded or kafka" >&2; exit 2 ;; esac
build_dir=${CASEWATCH_BUILD:-}
# The components read CASEWATCH_* variables as their settings and stop on
# one they do not know: the demo's own must not reach them.
unset CASEWATCH_DEMO_SECONDS CASEWATCH_DEMO_PORT CASEWATCH_BUILD CASEWATCH_BROKER

# CASEWATCH_BUILD=DIR runs the binaries already built there (tests do).
if [ -n "$build_dir" ]; then
    bin=$(cd "$build_dir" && pwd)
else
    deploy/local/setup.sh
    echo "== building (a first build takes about half a minute)"
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    # Only what the demo runs: a newcomer waits for four programs, not the
    # tests. One progress line, rewritten in place, instead of silence.
    build_log=$(mktemp /tmp/casewatch-build.XXXXXX)
    if ! cmake --build build -j "$jobs" --target casewatch-broker casewatch-processor \
        casewatch-simulate casewatch-feed 2>&1 | tee "$build_log" |
        { shown=0; while IFS= read -r line; do
            case "$line" in
            "["*"%]"*) pct=${line%%%]*}; pct=${pct#[}; pct=$(echo "$pct" | tr -d ' ')
                # cmake counts per target: show the furthest point reached
                case "$pct" in *[!0-9]*|"") continue ;; esac
                if [ "$pct" -gt "$shown" ]; then shown=$pct; printf '\r   building: %3s%%' "$shown"; fi ;;
            esac
        done; }; then :; fi
    if ! grep -q "Built target casewatch-feed" "$build_log"; then
        echo; echo "demo: the build failed:" >&2; tail -20 "$build_log" >&2; rm -f "$build_log"; exit 1
    fi
    rm -f "$build_log"
    printf '\r   building: done \n'
    bin=$root/build
fi

tmp=$(mktemp -d /tmp/casewatch-demo.XXXXXX)
pids=""
# Stops what was started, newest first (the simulator before the broker it
# writes to), each given a few seconds before it is killed.
cleanup() {
    trap - EXIT INT TERM
    summary
    stop_list=""
    for p in $pids; do stop_list="$p $stop_list"; done
    for p in $stop_list; do
        kill "$p" 2>/dev/null || continue
        i=0
        while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$p" 2>/dev/null || true
    done
    # The real broker and registry last (they are not in $pids: their
    # scripts keep the pid in their directory).
    if [ "$broker" = kafka ]; then
        deploy/kafka/registry.sh stop "$tmp/registry" || true
        deploy/kafka/kafka.sh stop "$tmp/kafka" || true
    fi
    wait 2>/dev/null || true
    echo
    echo "== stopped; logs were in $tmp (removed)"
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The closing summary: alerts by kind and rule (tallied by the alert
# printer below, which writes them when stopped), and where the dashboard was.
summary() {
    [ -n "${printer:-}" ] && kill "$printer" 2>/dev/null && sleep 0.3
    if [ -s "$tmp/summary" ]; then
        echo
        echo "== summary"
        cat "$tmp/summary"
    fi
    [ -n "${dashboard:-}" ] && echo "   dashboard was: $dashboard"
}

# The topics (partitions): the compacted ones as the processor and feed expect.
topics="case-events:6 case-alerts:6 casewatch-state:6:compact case-events-dlq:1 case-alert-actions:2:compact"
registry_conf=""
simulate_format=""
if [ "$broker" = kafka ]; then
    echo "== starting Apache Kafka and the Schema Registry (deploy/kafka/, loopback; ~30 s)"
    out=$(deploy/kafka/kafka.sh start "$tmp/kafka") || { echo "demo: kafka.sh start failed" >&2; exit 1; }
    bootstrap=$(echo "$out" | sed -n 's/^bootstrap=//p')
    echo "   bootstrap servers: $bootstrap (Apache Kafka, log: $tmp/kafka/server.log)"
    # The Kafka fetched by kafka.sh is the broker's jars only (no kafka-tools
    # jar, so no TopicCommand): the topics are made with the Admin API of
    # Debian's python3-confluent-kafka, as the kafka_real tests make theirs.
    # shellcheck disable=SC2086 # one argument per topic
    /usr/bin/python3 - "$bootstrap" $topics <<'PY' || { echo "demo: creating the topics failed" >&2; exit 1; }
import sys
from confluent_kafka.admin import AdminClient, NewTopic
admin = AdminClient({"bootstrap.servers": sys.argv[1]})
new = []
for spec in sys.argv[2:]:
    name, parts, *compact = spec.split(":")
    conf = {"cleanup.policy": "compact"} if compact else {}
    new.append(NewTopic(name, num_partitions=int(parts), replication_factor=1, config=conf))
for name, f in admin.create_topics(new, operation_timeout=30).items():
    f.result()
PY
    out=$(deploy/kafka/registry.sh start "$tmp/registry" "$bootstrap") ||
        { echo "demo: registry.sh start failed" >&2; exit 1; }
    registry=$(echo "$out" | sed -n 's/^registry=//p')
    echo "   schema registry: $registry (Apicurio; the simulator writes Avro through it)"
    registry_conf="schema_registry.url = $registry"
    simulate_format="--format avro --schema-registry $registry"
else
    echo "== starting the embedded broker (librdkafka mock cluster, loopback)"
    set --
    for t in $topics; do set -- "$@" --topic "${t%:compact}"; done
    "$bin/deploy/local/broker/casewatch-broker" "$@" --bootstrap-file "$tmp/bootstrap" \
        </dev/null >"$tmp/broker.log" 2>&1 &
    pids="$pids $!"
    i=0
    while [ ! -s "$tmp/bootstrap" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    bootstrap=$(cat "$tmp/bootstrap")
    echo "   bootstrap servers: $bootstrap"
fi

# The simulator runs simulated time (2 days a second) and writes its clock
# to a file; the processor takes that file for its wall clock, so deadlines
# fire in simulated time too, also on partitions with no new events. The
# grace of 12 simulated hours (a quarter second) lets events in flight
# arrive before the deadlines they meet are judged.
cat >"$tmp/processor.conf" <<CONF
kafka.bootstrap.servers = $bootstrap
kafka.session.timeout.ms = 6000
processor.live_grace = 12h
processor.clock_file = $tmp/clock
processor.report_interval = 15s
$registry_conf
CONF
chmod 600 "$tmp/processor.conf"
"$bin/consumers/processor/casewatch-processor" --config "$tmp/processor.conf" \
    2>"$tmp/processor.log" &
pids="$pids $!"
echo "   processor started (log: $tmp/processor.log)"

if [ -x "$bin/consumers/feed/casewatch-feed" ]; then
    cat >"$tmp/feed.conf" <<CONF
kafka.bootstrap.servers = $bootstrap
feed.listen = 127.0.0.1:$port
feed.clock_file = $tmp/clock
CONF
    "$bin/consumers/feed/casewatch-feed" --config "$tmp/feed.conf" 2>"$tmp/feed.log" &
    pids="$pids $!"
    dashboard="http://127.0.0.1:$port/"
    echo "== dashboard: $dashboard"
fi

# Alerts as they arrive, in the order of their time, one line each under 120
# characters: breaches and violations one by one; warnings, resolutions and
# the rest as a count every few seconds (18 lines a second helps nobody).
# An alert that arrives after later ones were printed is counted, not
# printed out of order. On SIGTERM it writes the tallies to $tmp/summary.
cat >"$tmp/show.py" <<'PY'
import collections, datetime, json, select, signal, subprocess, sys, time
bootstrap, topic, out = sys.argv[1:4]
kcat = subprocess.Popen(["kcat", "-b", bootstrap, "-t", topic, "-C", "-q", "-u", "-f", "%s\n"],
                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
KIND = {"warning": "WARNING", "breach": "BREACH", "violation": "VIOLATION",
        "resolved": "RESOLVED", "withdrawn": "WITHDRAWN", "extended": "EXTENDED"}
by_kind, by_rule = collections.Counter(), collections.Counter()
buf, quiet, last_at, late = [], collections.Counter(), None, 0
last_tally = time.time()

def fit(s, n=119):
    return s if len(s) <= n else s[:n - 1] + "…"

HOLD_S = 2.0  # each alert waits this long (wall time) for earlier ones from other partitions

def when(a):
    return datetime.datetime.fromisoformat(a["at"])

def flush(everything=False):
    global buf, last_at, late
    buf.sort(key=when)
    now, n = time.time(), 0
    while n < len(buf) and (everything or now - buf[n]["_arrived"] >= HOLD_S):
        n += 1
    ready, buf = buf[:n], buf[n:]
    for a in ready:
        if last_at and when(a) < last_at:
            late += 1
            continue
        last_at = when(a)
        if a["kind"] in ("breach", "violation"):
            title = a.get("title_sv", a["rule"]).split(": ", 1)[-1]
            print(fit(f"{a['at'][:10]} {KIND[a['kind']]:<9} {a['municipality']} {a['case']:<15} "
                      f"due {a['due']}  {title}"), flush=True)
        else:
            quiet[a["kind"]] += 1

def tally():
    global quiet, last_tally
    for k, n in sorted(quiet.items()):
        print(fit(f"{last_at.date() if last_at else ''} {KIND.get(k, k):<9} ×{n} since the last such line "
                  "(each on the dashboard)"), flush=True)
    quiet, last_tally = collections.Counter(), time.time()

def stop(sig, frame):
    flush(True)
    tally()
    kcat.terminate()
    with open(out, "w") as f:
        f.write(f"   {sum(by_kind.values())} alerts: " +
                ", ".join(f"{n} {k}" for k, n in by_kind.most_common()) + "\n")
        for (k, r), n in sorted(by_rule.items(), key=lambda x: (-x[1], x[0])):
            f.write(fit(f"     {n:>6}  {k:<10} {r}") + "\n")
        if late:
            f.write(f"   ({late} arrived after later ones and were only counted)\n")
    sys.exit(0)

signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
while True:
    r, _, _ = select.select([kcat.stdout], [], [], 1.0)
    if r:
        line = kcat.stdout.readline()
        if not line:
            break
        try:
            a = json.loads(line)
        except ValueError:
            continue
        by_kind[a["kind"]] += 1
        by_rule[(a["kind"], a["rule"])] += 1
        a["_arrived"] = time.time()
        buf.append(a)
    if time.time() - last_tally >= 1.0:
        flush()
    if time.time() - last_tally >= 5.0:
        tally()
PY
/usr/bin/python3 -u "$tmp/show.py" "$bootstrap" case-alerts "$tmp/summary" &
printer=$!
pids="$pids $printer"

echo "== simulating two years of cases in three municipalities (Gävle, Örebro, Linköping,"
echo "   a quarter of their size; placements from two years before), 2 days a second"
# shellcheck disable=SC2086 # $simulate_format: none or two options
"$bin/producers/simulate/casewatch-simulate" --municipalities 3 --scale 0.25 --late-share 0.2 \
    --from 2025-01-01 --days 730 --speed 2 --clock-file "$tmp/clock" \
    --bootstrap "$bootstrap" --topic case-events $simulate_format --quiet 2>"$tmp/simulate.log" &
pids="$pids $!"
echo "== alerts (warnings, breaches, resolutions) as they arrive; Ctrl-C to stop"

if [ "$seconds" -gt 0 ]; then
    sleep "$seconds"
else
    while :; do sleep 3600; done
fi
