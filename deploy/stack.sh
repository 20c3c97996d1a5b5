#!/usr/bin/env bash
# The whole stack on its embedded defaults, natively (no Docker): Kafka (from Maven Central), PostgreSQL,
# the schema registry and the five services, each its own process with its log in .run/.
#   deploy/stack.sh up       install, build, start everything (already running parts are left alone)
#   deploy/stack.sh down     stop the services, registry, PostgreSQL and Kafka
#   deploy/stack.sh status   what answers
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source deploy/lib.sh

services=(ingest enrich score persist notify)
present() { [ -f "services/$1/dist/main.js" ]; }

case "${1:-up}" in
  up)
    ensure_installed
    build
    for c in kafka postgres registry; do component_up "$c" || start_component "$c"; done
    for s in "${services[@]}"; do
      if present "$s"; then component_up "$s" || start_component "$s"; else say "$s is not built yet; skipped"; fi
    done
    say "stack is up: ingest http://127.0.0.1:8080, registry $REGISTRY_URL, query API http://127.0.0.1:8082, console http://127.0.0.1:8083"
    ;;
  down)
    for ((i=${#services[@]}-1; i>=0; i--)); do stop_component "${services[$i]}" || true; done
    for c in registry postgres kafka; do stop_component "$c" || true; done
    ;;
  status)
    for c in kafka postgres registry "${services[@]}"; do
      if component_up "$c" 2>/dev/null; then echo "$c: up"; else echo "$c: down"; fi
    done
    ;;
  registry) component_up registry || start_component registry ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
