#!/bin/sh
# A real Confluent-API-compatible Schema Registry on loopback: Apicurio
# Registry (pinned below, from Maven Central), storing its schemas in a
# Kafka topic (kafkasql storage) on the broker given.
#
#   registry.sh fetch                 fetch it into the cache
#   registry.sh start DIR BOOTSTRAP   start it, its log and pid in DIR; prints
#                                     registry=URL (the Confluent-compatible
#                                     API) once it answers. A DIR that held a
#                                     registry before gets the same port again.
#   registry.sh stop DIR              stop it (SIGTERM, then SIGKILL after 20 s)
#
# Apicurio 3.0.9 is the last release that runs on Java 17 (3.3.x needs Java
# 21). Its parent POM is missing from Maven Central, which makes Maven refuse
# to resolve it, so the distribution is fetched from Central with curl and
# checked against the SHA-256 pinned here. Cached in $CW_CACHE (default
# /var/cache/casewatch): a second run downloads nothing.
set -eu

VERSION=3.0.9
SHA256=2b28181501a20cbf6efcd77f9b7153908fc01f3d3a7c32024c0bd9e1b04c8a43
URL=https://repo1.maven.org/maven2/io/apicurio/apicurio-registry-app/$VERSION/apicurio-registry-app-$VERSION-all.tar.gz
CW_CACHE=${CW_CACHE:-/var/cache/casewatch}
home="$CW_CACHE/apicurio-registry-$VERSION"
jar="$home/apicurio-registry-app-$VERSION-runner.jar"
heap=${CW_REGISTRY_HEAP:-384m}

die() { echo "registry.sh: $*" >&2; exit 1; }

fetch() {
    [ -f "$home/.complete" ] && return 0
    mkdir -p "$CW_CACHE"
    tmp="$home.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    echo "registry.sh: fetching Apicurio Registry $VERSION into $home" >&2
    curl -fsS --retry 3 -o "$tmp/dist.tar.gz" "$URL" || { rm -rf "$tmp"; die "download failed"; }
    echo "$SHA256  $tmp/dist.tar.gz" | sha256sum -c --quiet - || { rm -rf "$tmp"; die "checksum mismatch"; }
    tar xzf "$tmp/dist.tar.gz" -C "$tmp"
    rm "$tmp/dist.tar.gz"
    touch "$tmp/.complete"
    rm -rf "$home"
    mv "$tmp" "$home"
}

running() { # DIR: the registry's pid, when it runs
    [ -f "$1/registry.pid" ] || return 1
    pid=$(cat "$1/registry.pid")
    kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-Dcasewatch.registry.dir=$1 " || return 1
    echo "$pid"
}

start() {
    [ $# -eq 2 ] || die "usage: registry.sh start DIR BOOTSTRAP"
    mkdir -p "$1"
    d=$(cd "$1" && pwd)
    bootstrap=$2
    if running "$d" >/dev/null; then
        cat "$d/url"
        return 0
    fi
    fetch
    if [ -f "$d/port" ]; then
        port=$(cat "$d/port")
    else
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        echo "$port" >"$d/port"
    fi
    url="http://127.0.0.1:$port/apis/ccompat/v7"
    echo "registry=$url" >"$d/url"
    [ -f "$d/registry.log" ] && mv "$d/registry.log" "$d/registry.log.1"
    (exec java -Xms64m -Xmx"$heap" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        -Dcasewatch.registry.dir="$d" \
        -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$port" \
        -Dquarkus.log.console.enable=true \
        -Dapicurio.storage.kind=kafkasql \
        -Dapicurio.kafkasql.bootstrap.servers="$bootstrap" \
        -jar "$jar") >"$d/registry.log" 2>&1 </dev/null &
    echo $! >"$d/registry.pid"
    waited=0
    until curl -sf -o /dev/null "$url/subjects"; do
        if ! running "$d" >/dev/null; then
            tail -30 "$d/registry.log" >&2
            die "the registry in $d exited"
        fi
        waited=$((waited + 1))
        if [ $waited -gt 600 ]; then
            stop "$d"
            die "the registry in $d did not answer within 120 s"
        fi
        sleep 0.2
    done
    cat "$d/url"
}

stop() {
    [ $# -eq 1 ] || die "usage: registry.sh stop DIR"
    d=$(cd "$1" 2>/dev/null && pwd) || return 0
    pid=$(running "$d") || { rm -f "$d/registry.pid"; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$d/registry.pid"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
    fetch) fetch; echo "registry_home=$home" ;;
    start) start "$@" ;;
    stop) stop "$@" ;;
    *) die "usage: registry.sh fetch | start DIR BOOTSTRAP | stop DIR" ;;
esac
