#!/bin/sh
# A real Apache Kafka broker (KRaft, one node that is broker and controller)
# on loopback, for the kafka_real tests and local trials.
#
#   kafka.sh fetch           fetch the pinned Kafka (pom.xml) into the cache
#   kafka.sh start DIR       start a broker whose config, data and log live in
#                            DIR; prints bootstrap=HOST:PORT (PLAINTEXT) and
#                            sasl_bootstrap=HOST:PORT (SASL_PLAINTEXT: SCRAM
#                            and PLAIN)
#                            and returns once the broker answers metadata
#                            requests. A DIR that already holds a broker's
#                            data is restarted on it, on the same ports.
#   kafka.sh stop DIR        stop it (SIGTERM, then SIGKILL after 30 s)
#   kafka.sh kill DIR        kill -9 it (an outage; start DIR brings it back)
#   kafka.sh tool CLASS ARG...  run a Kafka tool class with the pinned jars
#                            (kafka.tools.DumpLogSegments, for instance)
#
# The Kafka jars are fetched once with Maven into $CW_CACHE/kafka-<version>
# (default /var/cache/casewatch); a second run downloads nothing.
# User for the SASL listener: casewatch / casewatch-secret (SCRAM-SHA-256,
# SCRAM-SHA-512 and PLAIN); test credentials for loopback only. Debian's
# librdkafka 2.0.2 cannot log in with SCRAM to Kafka 4.x (its SCRAM nonce bug,
# fixed in librdkafka 2.6.1: confluentinc/librdkafka#4895; the broker says
# "invalid credentials"), so the processor's SASL test uses PLAIN; newer
# clients (the venv's confluent-kafka) log in with SCRAM.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
CW_CACHE=${CW_CACHE:-/var/cache/casewatch}
version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")
home="$CW_CACHE/kafka-$version"
heap=${CW_KAFKA_HEAP:-512m}
SCRAM_USER=casewatch
SCRAM_PASSWORD=casewatch-secret

die() { echo "kafka.sh: $*" >&2; exit 1; }

fetch() {
    [ -f "$home/.complete" ] && return 0
    command -v mvn >/dev/null || die "mvn missing (deploy/local/setup.sh installs it)"
    mkdir -p "$CW_CACHE"
    tmp="$home.tmp.$$"
    rm -rf "$tmp"
    echo "kafka.sh: fetching Kafka $version with Maven into $home" >&2
    mvn -B -q -f "$here/pom.xml" -Dmaven.repo.local="$CW_CACHE/m2" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp/libs" >&2 \
        || { rm -rf "$tmp"; die "maven fetch failed"; }
    cp "$here/pom.xml" "$tmp/pom.xml"
    touch "$tmp/.complete"
    rm -rf "$home"
    mv "$tmp" "$home"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

running() { # DIR: the broker's pid, when it runs
    [ -f "$1/broker.pid" ] || return 1
    pid=$(cat "$1/broker.pid")
    kill -0 "$pid" 2>/dev/null || return 1
    # A reused pid is not ours: the JVM carries its DIR on its command line.
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "-Dcasewatch.kafka.dir=$1 " || return 1
    echo "$pid"
}

java_run() { # DIR MAINCLASS ARGS...: the JVM with Kafka on its classpath
    d=$1; shift
    exec java -Xms128m -Xmx"$heap" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
        -Djava.awt.headless=true -Dcasewatch.kafka.dir="$d" \
        -Dlog4j2.configurationFile="$d/log4j2.properties" \
        -cp "$home/libs/*" "$@"
}

configure() { # DIR: ports, server.properties, log4j2.properties, formatted storage
    d=$1
    plain=$(free_port); sasl=$(free_port); ctrl=$(free_port)
    while [ "$sasl" = "$plain" ] || [ "$ctrl" = "$plain" ] || [ "$ctrl" = "$sasl" ]; do
        sasl=$(free_port); ctrl=$(free_port)
    done
    cat >"$d/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$ctrl
listeners=PLAINTEXT://127.0.0.1:$plain,SASL_PLAINTEXT://127.0.0.1:$sasl,CONTROLLER://127.0.0.1:$ctrl
advertised.listeners=PLAINTEXT://127.0.0.1:$plain,SASL_PLAINTEXT://127.0.0.1:$sasl
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SCRAM_USER="$SCRAM_PASSWORD";
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
log.dirs=$d/data
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.cleaner.backoff.ms=500
log.segment.delete.delay.ms=1000
log.flush.interval.messages=9223372036854775807
num.network.threads=2
num.io.threads=2
background.threads=2
log.cleaner.threads=1
PROPS
    cat >"$d/log4j2.properties" <<PROPS
rootLogger.level=INFO
rootLogger.appenderRef.file.ref=file
appender.file.type=File
appender.file.name=file
appender.file.fileName=$d/server.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
logger.kafka.name=kafka
logger.kafka.level=INFO
logger.apache.name=org.apache.kafka
logger.apache.level=INFO
PROPS
    echo "bootstrap=127.0.0.1:$plain" >"$d/ports"
    echo "sasl_bootstrap=127.0.0.1:$sasl" >>"$d/ports"
    cluster=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    (java_run "$d" kafka.tools.StorageTool format --cluster-id="$cluster" -c "$d/server.properties" \
        --add-scram "SCRAM-SHA-256=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]" \
        --add-scram "SCRAM-SHA-512=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]") \
        >"$d/format.log" 2>&1 || { cat "$d/format.log" >&2; die "formatting the storage failed"; }
}

answers() { # BOOTSTRAP: does the broker answer a metadata request?
    if command -v kcat >/dev/null; then
        kcat -b "$1" -L -m 2 >/dev/null 2>&1
    else
        python3 -c 'import socket,sys; h,p=sys.argv[1].rsplit(":",1); socket.create_connection((h,int(p)),1)' "$1" 2>/dev/null
    fi
}

start() {
    [ $# -eq 1 ] || die "usage: kafka.sh start DIR"
    mkdir -p "$1"
    d=$(cd "$1" && pwd)
    if pid=$(running "$d"); then
        cat "$d/ports"
        return 0
    fi
    fetch
    [ -f "$d/data/meta.properties" ] || configure "$d"
    bootstrap=$(sed -n 's/^bootstrap=//p' "$d/ports")
    # A restart on the same DIR: its readiness is judged on this run's log.
    [ -f "$d/server.log" ] && mv "$d/server.log" "$d/server.log.1"
    (java_run "$d" kafka.Kafka "$d/server.properties") >>"$d/stdout.log" 2>&1 </dev/null &
    echo $! >"$d/broker.pid"
    waited=0
    until answers "$bootstrap" && grep -q "Kafka Server started" "$d/server.log" 2>/dev/null; do
        if ! running "$d" >/dev/null; then
            tail -30 "$d/stdout.log" "$d/server.log" >&2 2>/dev/null || true
            die "the broker in $d exited"
        fi
        waited=$((waited + 1))
        if [ $waited -gt 600 ]; then
            stop "$d"
            die "the broker in $d did not answer within 120 s"
        fi
        sleep 0.2
    done
    cat "$d/ports"
}

stop() {
    [ $# -eq 1 ] || die "usage: kafka.sh stop DIR"
    d=$(cd "$1" 2>/dev/null && pwd) || return 0
    pid=$(running "$d") || { rm -f "$d/broker.pid"; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$d/broker.pid"
}

kill9() {
    [ $# -eq 1 ] || die "usage: kafka.sh kill DIR"
    d=$(cd "$1" && pwd)
    pid=$(running "$d") || return 0
    kill -KILL "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    rm -f "$d/broker.pid"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
    fetch) fetch; echo "kafka=$home" ;;
    start) start "$@" ;;
    stop) stop "$@" ;;
    kill) kill9 "$@" ;;
    tool)
        fetch
        exec java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$home/libs/*" "$@" ;;
    *) die "usage: kafka.sh fetch | start DIR | stop DIR | kill DIR | tool CLASS ARGS" ;;
esac
