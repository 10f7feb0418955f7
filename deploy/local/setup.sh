#!/bin/sh
# Installs the Debian packages casewatch needs to build, test and run.
# Idempotent and non-interactive: when everything is present it does nothing
# (and needs no network); otherwise it runs apt-get update, then installs.
set -eu

# What building the programs needs (the container's build stage installs the
# same list; tests/deploy/check_dockerfile.py holds the two together).
BUILD_PACKAGES="
build-essential cmake pkg-config tzdata
librdkafka-dev libavro-dev libjansson-dev libcmocka-dev libmicrohttpd-dev
libcurl4-openssl-dev libssl-dev zlib1g-dev
"
# What the tests, the demo and the sanitizer build need on top.
TEST_PACKAGES="
clang libclang-rt-14-dev
kcat python3-avro python3-confluent-kafka python3-jsonschema
chromium poppler-utils valgrind openssl
python3-yaml python3-venv shellcheck docker-compose systemd
openjdk-17-jre-headless maven curl
"
PACKAGES="$BUILD_PACKAGES $TEST_PACKAGES"

missing=""
for p in $PACKAGES; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing="$missing $p"
done

if [ -z "$missing" ]; then
    echo "setup: all packages present"
elif [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages:$missing; run as root (or install them) first" >&2
    exit 1
else
    echo "setup: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
fi

# Test-only Python packages from PyPI (current confluent-kafka with its
# AvroSerializer, fastavro, the CloudEvents SDK, schemathesis), pinned in
# requirements-test.txt, in a virtual environment outside the repository.
# Debian's own python3-* modules stay under /usr/bin/python3; tests that need
# the PyPI ones run $CW_VENV/bin/python. Reinstalled only when the pins change.
CW_CACHE=${CW_CACHE:-/var/cache/casewatch}
CW_VENV=${CW_VENV:-$CW_CACHE/venv}
here=$(cd "$(dirname "$0")" && pwd)
req="$here/requirements-test.txt"
stamp="$CW_VENV/.casewatch-requirements"
if [ -f "$stamp" ] && cmp -s "$req" "$stamp"; then
    echo "setup: test venv present ($CW_VENV)"
else
    echo "setup: test venv $CW_VENV from requirements-test.txt"
    mkdir -p "$CW_CACHE"
    [ -x "$CW_VENV/bin/python" ] || /usr/bin/python3 -m venv "$CW_VENV"
    "$CW_VENV/bin/pip" install -q --disable-pip-version-check -r "$req"
    cp "$req" "$stamp"
fi

# The AsyncAPI parser of the schemas test (tests/schemas/check_asyncapi.js):
# npm's @asyncapi/parser and its Avro schema parser, pinned, in $CW_NPM
# outside the repository;
# installed again only when the pin changes (node and npm: the system's).
ASYNCAPI_PARSER="@asyncapi/parser@3.6.6 @asyncapi/avro-schema-parser@3.1.0"
CW_NPM=${CW_NPM:-$CW_CACHE/npm}
npm_stamp="$CW_NPM/.casewatch-npm"
if [ -f "$npm_stamp" ] && [ "$(cat "$npm_stamp")" = "$ASYNCAPI_PARSER" ]; then
    echo "setup: npm packages present ($CW_NPM)"
elif ! command -v npm >/dev/null 2>&1; then
    echo "setup: npm not found; the asyncapi schema test will fail" >&2
else
    echo "setup: $ASYNCAPI_PARSER into $CW_NPM"
    mkdir -p "$CW_NPM"
    # shellcheck disable=SC2086
    npm install -q --prefix "$CW_NPM" --no-audit --no-fund --ignore-scripts $ASYNCAPI_PARSER
    echo "$ASYNCAPI_PARSER" >"$npm_stamp"
fi

# The real Apache Kafka and Schema Registry of the kafka_real tests
# (deploy/kafka/): pinned, fetched once into $CW_CACHE (Kafka with Maven,
# Apicurio Registry from Maven Central with a pinned SHA-256); nothing is
# downloaded when they are there. A cold fetch took ~10 s for both here.
"$here/../kafka/kafka.sh" fetch
"$here/../kafka/registry.sh" fetch
