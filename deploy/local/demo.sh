#!/bin/sh
# The demo: installs what is missing, builds, starts the embedded broker, the
# processor (and the feed, when built), feeds a realistic caseload at a pace
# a person can watch, and shows the alerts as they arrive.
#
#   deploy/local/demo.sh [--for SECONDS]      (or CASEWATCH_DEMO_SECONDS=N)
#   CASEWATCH_DEMO_PORT=N: the dashboard's port (default 8080)
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
build_dir=${CASEWATCH_BUILD:-}
# The components read CASEWATCH_* variables as their settings and stop on
# one they do not know: the demo's own must not reach them.
unset CASEWATCH_DEMO_SECONDS CASEWATCH_DEMO_PORT CASEWATCH_BUILD

# CASEWATCH_BUILD=DIR runs the binaries already built there (tests do).
if [ -n "$build_dir" ]; then
    bin=$(cd "$build_dir" && pwd)
else
    deploy/local/setup.sh
    echo "== building"
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    # Only what the demo runs: a newcomer waits for four programs, not the tests.
    cmake --build build -j "$jobs" --target casewatch-broker casewatch-processor \
        casewatch-simulate casewatch-feed >/dev/null
    bin=$root/build
fi

tmp=$(mktemp -d /tmp/casewatch-demo.XXXXXX)
pids=""
# Stops what was started, newest first (the simulator before the broker it
# writes to), each given a few seconds before it is killed.
cleanup() {
    trap - EXIT INT TERM
    stop_list=""
    for p in $pids; do stop_list="$p $stop_list"; done
    for p in $stop_list; do
        kill "$p" 2>/dev/null || continue
        i=0
        while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$p" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    echo
    echo "== stopped; logs were in $tmp (removed)"
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== starting the embedded broker (librdkafka mock cluster, loopback)"
"$bin/deploy/local/broker/casewatch-broker" --topic case-events:6 --topic case-alerts:6 \
    --topic casewatch-state:6 --topic case-events-dlq:1 --bootstrap-file "$tmp/bootstrap" \
    </dev/null >"$tmp/broker.log" 2>&1 &
pids="$pids $!"
i=0
while [ ! -s "$tmp/bootstrap" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
bootstrap=$(cat "$tmp/bootstrap")
echo "   bootstrap servers: $bootstrap"

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
    echo "== dashboard: http://127.0.0.1:$port/"
fi

# Alerts as they arrive, one readable line each (the full JSON is on the topic).
/usr/bin/python3 -u deploy/local/show_alerts.py "$bootstrap" case-alerts &
pids="$pids $!"

echo "== simulating two years of cases in three municipalities (Gävle, Örebro, Linköping,"
echo "   a quarter of their size; placements from two years before), 2 days a second"
"$bin/producers/simulate/casewatch-simulate" --municipalities 3 --scale 0.25 --late-share 0.2 \
    --from 2025-01-01 --days 730 --speed 2 --clock-file "$tmp/clock" \
    --bootstrap "$bootstrap" --topic case-events --quiet 2>"$tmp/simulate.log" &
pids="$pids $!"
echo "== alerts (warnings, breaches, resolutions) as they arrive; Ctrl-C to stop"

if [ "$seconds" -gt 0 ]; then
    sleep "$seconds"
else
    while :; do sleep 3600; done
fi
