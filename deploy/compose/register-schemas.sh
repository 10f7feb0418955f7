#!/bin/sh
# Registers casewatch's Avro schemas in a Confluent Schema Registry under the
# topic-name subjects (TopicNameStrategy). Runs in the cp-schema-registry image
# (the "schemas" service of compose.yaml): needs sh, sed, tr and curl.
# Idempotent: registering a schema a subject already has returns its id.
#
# Environment: REGISTRY (http://schema-registry:8081), SCHEMAS (/casewatch/schemas),
# CURL (curl).
set -eu

registry=${REGISTRY:-http://schema-registry:8081}
dir=${SCHEMAS:-/casewatch/schemas}
curl=${CURL:-curl}

# The registry wants {"schema": "<the schema as one JSON string>"}: escape
# backslashes and quotes; newlines and tabs become spaces (JSON whitespace).
body() {
    printf '{"schema": "%s"}' "$(tr '\n\t' '  ' < "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"
}

register() {
    subject=$1 file=$dir/$2
    answer=$(body "$file" | "$curl" -fsS -X POST \
        -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
        --data-binary @- "$registry/subjects/$subject/versions")
    echo "register-schemas: $subject <- $2: $answer"
}

register case-events-value case_event.avsc
register case-alerts-value alert.avsc
register casewatch-state-value case_state.avsc
