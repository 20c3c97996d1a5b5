#!/usr/bin/env bash
# The benchmark suite (never part of the tests): builds, makes sure Kafka, PostgreSQL and the schema
# registry are up (starting those that are not, and stopping them again afterwards), then runs
# tools/bench/dist/suite.js. It writes bench-results/latest.md and latest.json and prints the table.
# Arguments go to the suite: --quick (a smoke run: bench-results/quick.md), --only=phase,…, --skip=phase,…,
# --no-outage. For example: npm run bench -- --quick
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source deploy/lib.sh

started=()
cleanup() {
  local rc=$?
  for ((i=${#started[@]}-1; i>=0; i--)); do stop_component "${started[$i]}" || true; done
  exit $rc
}
trap cleanup EXIT

# Install and build output goes to stderr: stdout is the results table.
ensure_installed >&2
build >&2
# Services and tools not (yet) in tsconfig.build.json are built too: the suite runs every service.
extra=()
for p in services/*/tsconfig.json tools/bench/tsconfig.json; do
  grep -q "\"path\": \"$(dirname "$p")\"" tsconfig.build.json || extra+=("$p")
done
if [ ${#extra[@]} -gt 0 ]; then
  say "building ${extra[*]}"
  npx --no-install tsc -b "${extra[@]}" >&2
fi

for c in kafka postgres registry; do
  if ! component_up "$c"; then start_component "$c" >&2; started+=("$c"); fi
done

node tools/bench/dist/suite.js "$@"
