#!/bin/sh
# The demo: installs what is missing, builds, starts the embedded broker, the
# processor (and the feed, when built), feeds a realistic caseload at a pace
# a person can watch, and shows the alerts as they arrive.
#
#   deploy/local/demo.sh [--for SECONDS]      (or CASEWATCH_DEMO_SECONDS=N)
#
# Ctrl-C stops everything. Without a bound it runs until interrupted.
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)
seconds=${CASEWATCH_DEMO_SECONDS:-0}
if [ "${1:-}" = "--for" ] && [ -n "${2:-}" ]; then seconds=$2; fi
case "$seconds" in *[!0-9]*) echo "demo: --for takes a number of seconds" >&2; exit 2 ;; esac

deploy/local/setup.sh
echo "== building"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs" >/dev/null

tmp=$(mktemp -d /tmp/casewatch-demo.XXXXXX)
pids=""
cleanup() {
    trap - EXIT INT TERM
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    echo
    echo "== stopped; logs were in $tmp (removed)"
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bin=$root/build
echo "== starting the embedded broker (librdkafka mock cluster, loopback)"
"$bin/deploy/local/broker/casewatch-broker" --topic case-events:6 --topic case-alerts:6 \
    --topic casewatch-state:6 --topic case-events-dlq:1 --bootstrap-file "$tmp/bootstrap" \
    </dev/null >"$tmp/broker.log" 2>&1 &
pids="$pids $!"
i=0
while [ ! -s "$tmp/bootstrap" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
bootstrap=$(cat "$tmp/bootstrap")
echo "   bootstrap servers: $bootstrap"

cat >"$tmp/processor.conf" <<CONF
kafka.bootstrap.servers = $bootstrap
kafka.session.timeout.ms = 6000
processor.live_grace = 1s
processor.report_interval = 15s
CONF
chmod 600 "$tmp/processor.conf"
"$bin/consumers/processor/casewatch-processor" --config "$tmp/processor.conf" \
    2>"$tmp/processor.log" &
pids="$pids $!"
echo "   processor started (log: $tmp/processor.log)"

if [ -x "$bin/consumers/feed/casewatch-feed" ]; then
    port=${CASEWATCH_DEMO_PORT:-8080}
    cat >"$tmp/feed.conf" <<CONF
kafka.bootstrap.servers = $bootstrap
feed.listen = 127.0.0.1:$port
CONF
    "$bin/consumers/feed/casewatch-feed" --config "$tmp/feed.conf" 2>"$tmp/feed.log" &
    pids="$pids $!"
    echo "== dashboard: http://127.0.0.1:$port/"
fi

# Alerts as they arrive, one readable line each (the full JSON is on the topic).
kcat -b "$bootstrap" -t case-alerts -C -q -u -f '%s\n' 2>/dev/null |
    /usr/bin/python3 -u deploy/local/show_alerts.py &
pids="$pids $!"

sim=$bin/producers/simulate/casewatch-simulate
if [ -x "$sim" ]; then
    echo "== simulating a year of cases in three municipalities, 3 days per second"
    "$sim" --municipalities 3 --scale 0.2 --speed 3 --bootstrap "$bootstrap" \
        --topic case-events 2>"$tmp/simulate.log" &
    pids="$pids $!"
else
    echo "== feeding a generated caseload (2 000 cases)"
    /usr/bin/python3 tests/bench/gen_events.py 2000 7 | /usr/bin/python3 -c '
import json, sys
for l in sys.stdin:
    sys.stdout.write(json.loads(l)["subject"] + "\t" + l)' |
        kcat -b "$bootstrap" -t case-events -P -K '\t' 2>"$tmp/produce.log"
fi
echo "== alerts (warnings, breaches, resolutions) as they arrive; Ctrl-C to stop"

if [ "$seconds" -gt 0 ]; then
    sleep "$seconds"
else
    while :; do sleep 3600; done
fi
