#!/usr/bin/env bash
# Native single-node Apache Kafka (KRaft) for development, tests and benchmarks, without Docker.
#   kafka.sh fetch     resolve the pinned release from Maven Central into the cache (outside git)
#   kafka.sh start     format KRaft storage if needed, start the broker, wait until it answers
#   kafka.sh stop      stop the broker started by this script
#   kafka.sh status    exit 0 when the broker answers
#   kafka.sh class C … run a Kafka tool class with the release's classpath (perf tools, consumer groups)
# Environment: SLUICE_CACHE (default ~/.cache/sluice), KAFKA_DATA_DIR, KAFKA_PORT (9092),
# KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP (512m).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")
cache=${SLUICE_CACHE:-$HOME/.cache/sluice}
home="$cache/kafka-$KAFKA_VERSION"
data=${KAFKA_DATA_DIR:-$cache/run/kafka-$KAFKA_VERSION}
port=${KAFKA_PORT:-9092}
cport=${KAFKA_CONTROLLER_PORT:-9093}
heap=${KAFKA_HEAP:-1g}
pidfile="$data/kafka.pid"

log() { printf '[kafka.sh] %s\n' "$*" >&2; }

fetch() {
  if [ -f "$home/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || { log "Maven (mvn) is required to fetch Kafka $KAFKA_VERSION from Maven Central"; exit 1; }
  command -v java >/dev/null || { log "Java 17+ is required to run Kafka"; exit 1; }
  log "fetching Apache Kafka $KAFKA_VERSION from Maven Central into $home"
  rm -rf "$home"; mkdir -p "$home"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$home/libs" -DincludeScope=runtime
  touch "$home/.complete"
}

run_class() { java -Xmx256m -cp "$home/libs/*" -Dlog4j2.configurationFile="$here/log4j2.properties" -Dkafka.logs.dir="$data/logs" "$@"; }

answers() {
  # A TCP accept is not enough: ask the broker for its topics.
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || return 1
  timeout 30 java -Xmx128m -cp "$home/libs/*" -Dlog4j2.configurationFile="$here/log4j2.properties" \
    -Dkafka.logs.dir="$data/logs" org.apache.kafka.tools.TopicCommand \
    --bootstrap-server "127.0.0.1:$port" --list >/dev/null 2>&1
}

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

start() {
  fetch
  mkdir -p "$data/logs"
  if running; then log "already running (pid $(cat "$pidfile"))"; return 0; fi
  cat > "$data/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data/log
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=168
PROPS
  if [ ! -f "$data/log/meta.properties" ]; then
    log "formatting KRaft storage in $data/log"
    run_class kafka.tools.StorageTool format -t "$(run_class kafka.tools.StorageTool random-uuid)" \
      -c "$data/server.properties" >/dev/null
  fi
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$port (heap $heap)"
  nohup java -Xms"$heap" -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -cp "$home/libs/*" -Dlog4j2.configurationFile="$here/log4j2.properties" -Dkafka.logs.dir="$data/logs" \
    kafka.Kafka "$data/server.properties" > "$data/logs/stdout.log" 2>&1 &
  echo $! > "$pidfile"
  for _ in $(seq 1 120); do
    if ! running; then log "Kafka exited during start; see $data/logs"; tail -20 "$data/logs/stdout.log" >&2 || true; exit 1; fi
    if answers; then log "Kafka answers on 127.0.0.1:$port"; return 0; fi
    sleep 1
  done
  log "Kafka did not answer within 120 s; see $data/logs"; exit 1
}

stop() {
  if ! running; then log "not running"; rm -f "$pidfile"; return 0; fi
  local pid; pid=$(cat "$pidfile")
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; log "stopped"; return 0; }; sleep 1; done
  log "Kafka did not stop in 60 s; killing"; kill -9 "$pid" 2>/dev/null || true; rm -f "$pidfile"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) answers ;;
  version) echo "$KAFKA_VERSION" ;;
  class) shift; fetch; run_class "$@" ;;
  *) echo "usage: $0 fetch|start|stop|status|version|class <main-class> [args…]" >&2; exit 2 ;;
esac
