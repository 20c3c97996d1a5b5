# Shared by deploy/test.sh, deploy/stack.sh and deploy/bench.sh: install, build, and start/stop the
# infrastructure components natively (no Docker).
run_dir=${SLUICE_RUN_DIR:-$root/.run}
mkdir -p "$run_dir"
export KAFKA_BROKERS=${KAFKA_BROKERS:-127.0.0.1:9092}
export REGISTRY_URL=${REGISTRY_URL:-http://127.0.0.1:8081}
export DATABASE_URL=${DATABASE_URL:-postgres://sluice:sluice@127.0.0.1:5432/sluice}

# Ports follow the URLs, so a second stack (an isolated CI run, say) can live beside the first.
url_port() { node -e 'const u=new URL(process.argv[1]); console.log(u.port || (u.protocol==="http:"?80:5432))' "$1"; }
export KAFKA_PORT=${KAFKA_PORT:-${KAFKA_BROKERS##*:}}
export PGPORT=${PGPORT:-$(url_port "$DATABASE_URL")}
REGISTRY_PORT=$(url_port "$REGISTRY_URL")

say() { printf '[sluice] %s\n' "$*" >&2; }

ensure_installed() {
  if [ ! -d node_modules/.pnpm ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
    say "installing dependencies"
    deploy/pnpm.sh install --frozen-lockfile
  fi
}

build() {
  say "building (tsc -b)"
  npx --no-install tsc -b tsconfig.build.json
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

http_ok() { node -e "fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" "$1"; }

component_up() {
  case "$1" in
    kafka) deploy/kafka/kafka.sh status ;;
    postgres) deploy/postgres/postgres.sh status 2>/dev/null ;;
    registry) http_ok "$REGISTRY_URL/subjects" ;;
    *) http_ok "http://127.0.0.1:$(service_port "$1")/readyz" ;;
  esac
}

service_port() {
  case "$1" in
    registry) echo "$REGISTRY_PORT" ;; ingest) echo 8080 ;; persist) echo 8082 ;; notify) echo 8083 ;;
    enrich) echo 9101 ;; score) echo 9102 ;;
  esac
}

# Development credentials of the local stack (never used outside it): the ingest API key, and the token
# analysts use for the query API and the console.
export SLUICE_DEV_API_KEY=${SLUICE_DEV_API_KEY:-sluice-dev-key-0001}
export SLUICE_DEV_TOKEN=${SLUICE_DEV_TOKEN:-sluice-dev-token-0001}

# Producers' API keys (name:sha256): ingest authenticates events with them, notify the confirmations socket.
dev_api_keys() { echo "${INGEST_API_KEYS:-dev:$(printf '%s' "$SLUICE_DEV_API_KEY" | sha256sum | cut -d' ' -f1)}"; }

service_env() {
  case "$1" in
    ingest) echo "INGEST_API_KEYS=$(dev_api_keys)" ;;
    persist) echo "PERSIST_API_TOKENS=${PERSIST_API_TOKENS:-dev:$SLUICE_DEV_TOKEN}"; echo "NODE_OPTIONS=--max-semi-space-size=16" ;;
    notify)
      echo "NOTIFY_TOKENS=${NOTIFY_TOKENS:-dev:$SLUICE_DEV_TOKEN}"
      echo "NOTIFY_PRODUCER_KEYS=${NOTIFY_PRODUCER_KEYS:-$(dev_api_keys)}"
      echo "NOTIFY_METRICS_TARGETS=${NOTIFY_METRICS_TARGETS:-ingest=http://127.0.0.1:8080/metrics,enrich=http://127.0.0.1:9101/metrics,score=http://127.0.0.1:9102/metrics,persist=http://127.0.0.1:8082/metrics}" ;;
  esac
}

start_node_service() {
  local name=$1 port; port=$(service_port "$name")
  say "starting $name on :$port (log: $run_dir/$name.log)"
  local extra=(); while IFS= read -r line; do [ -n "$line" ] && extra+=("$line"); done < <(service_env "$name")
  # Two malloc arenas (as in the Docker image): librdkafka's threads would otherwise each get one.
  env MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" "${extra[@]}" PORT="$port" REGISTRY_PORT="$port" nohup node "services/$name/dist/main.js" >"$run_dir/$name.log" 2>&1 &
  echo $! >"$run_dir/$name.pid"
  for _ in $(seq 1 60); do
    if component_up "$name"; then return 0; fi
    kill -0 "$(cat "$run_dir/$name.pid")" 2>/dev/null || { say "$name exited; last log lines:"; tail -20 "$run_dir/$name.log" >&2; return 1; }
    sleep 0.5
  done
  say "$name did not become ready in 30 s; see $run_dir/$name.log"; return 1
}

start_component() {
  case "$1" in
    kafka) deploy/kafka/kafka.sh start ;;
    postgres) deploy/postgres/postgres.sh start ;;
    *) start_node_service "$1" ;;
  esac
}

stop_component() {
  case "$1" in
    kafka) deploy/kafka/kafka.sh stop ;;
    postgres) deploy/postgres/postgres.sh stop ;;
    *)
      local pidfile="$run_dir/$1.pid"
      [ -f "$pidfile" ] || return 0
      local pid; pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$pidfile"; say "stopped $1" ;;
  esac
}
