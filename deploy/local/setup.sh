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
chromium valgrind openssl
python3-yaml shellcheck docker-compose systemd
"
PACKAGES="$BUILD_PACKAGES $TEST_PACKAGES"

missing=""
for p in $PACKAGES; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing="$missing $p"
done

if [ -z "$missing" ]; then
    echo "setup: all packages present"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages:$missing; run as root (or install them) first" >&2
    exit 1
fi
echo "setup: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
