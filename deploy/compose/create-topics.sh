#!/bin/sh
# Creates casewatch's topics (idempotent) and verifies their partition counts.
# Runs in the apache/kafka image (the "topics" service of compose.yaml); works
# against any cluster with KAFKA_TOPICS pointing at kafka-topics.sh and, for
# TLS/SASL, COMMAND_CONFIG at a client properties file.
#
#   case-events      input, keyed by case id: the unit of parallelism
#   casewatch-state  compacted changelog: MUST have as many partitions as
#                    case-events (changelog partition p holds input partition
#                    p's cases; the processor writes and restores by number)
#   case-alerts      alerts out, keyed by case id
#   case-events-dlq  rejected input with reason headers
#   case-alert-actions  compacted, keyed by alert id: supervisors' acknowledge /
#                    assign / note, written and read by the feed (each record is
#                    an alert's whole action state; without the topic the feed
#                    serves read-only)
#
# Environment: BOOTSTRAP (kafka:9092), CASE_EVENTS_PARTITIONS (12),
# REPLICATION_FACTOR (1 here; 3 on a real cluster), INPUT_RETENTION_MS (30
# days), ALERT_RETENTION_MS (30 days), DLQ_RETENTION_MS (14 days),
# KAFKA_TOPICS (/opt/kafka/bin/kafka-topics.sh), COMMAND_CONFIG (unset).
set -eu

bootstrap=${BOOTSTRAP:-kafka:9092}
partitions=${CASE_EVENTS_PARTITIONS:-12}
rf=${REPLICATION_FACTOR:-1}
day=86400000
kt=${KAFKA_TOPICS:-/opt/kafka/bin/kafka-topics.sh}

topics() {
    if [ -n "${COMMAND_CONFIG:-}" ]; then
        "$kt" --bootstrap-server "$bootstrap" --command-config "$COMMAND_CONFIG" "$@"
    else
        "$kt" --bootstrap-server "$bootstrap" "$@"
    fi
}

create() {
    name=$1 parts=$2
    shift 2
    topics --create --if-not-exists --topic "$name" --partitions "$parts" \
        --replication-factor "$rf" "$@"
}

partition_count() {
    topics --describe --topic "$1" | sed -n 's/.*PartitionCount: *\([0-9]*\).*/\1/p' | head -n 1
}

case "$partitions" in
    '' | *[!0-9]*) echo "create-topics: CASE_EVENTS_PARTITIONS=$partitions is not a number" >&2
                   exit 2 ;;
esac

create case-events "$partitions" \
    --config retention.ms="${INPUT_RETENTION_MS:-$((30 * day))}"
create casewatch-state "$partitions" \
    --config cleanup.policy=compact \
    --config min.compaction.lag.ms=3600000 \
    --config segment.ms=$((1 * day))
create case-alerts "$partitions" \
    --config retention.ms="${ALERT_RETENTION_MS:-$((30 * day))}"
create case-events-dlq 3 \
    --config retention.ms="${DLQ_RETENTION_MS:-$((14 * day))}"
create case-alert-actions 3 \
    --config cleanup.policy=compact

# --if-not-exists keeps a topic that already existed with other settings:
# the changelog must still match the input partition for partition.
input=$(partition_count case-events)
state=$(partition_count casewatch-state)
if [ "$input" != "$state" ]; then
    echo "create-topics: case-events has $input partitions but casewatch-state has $state;" \
         "they must be equal (see deploy/README.md, 'Adding partitions')" >&2
    exit 1
fi
echo "create-topics: case-events and casewatch-state have $input partitions each" \
     "(at most $input busy processor instances)"
