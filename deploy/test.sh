#!/usr/bin/env bash
# The whole test suite: builds, makes sure Kafka, PostgreSQL and the schema registry are up (starting
# those that are not, and stopping them again afterwards), then runs jest over every package.
# Extra arguments go to jest (for example: npm test -- libs/runtime).
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

ensure_installed
build
for c in kafka postgres registry; do
  if ! component_up "$c"; then start_component "$c"; started+=("$c"); fi
done

mkdir -p test-artifacts
set +e
npx --no-install jest --json --outputFile=test-artifacts/jest-results.json "$@"
rc=$?
set -e
node -e '
  const r = require(process.argv[1]);
  console.log(`\njest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped (${r.numTotalTestSuites} suites)`);
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`);
' "$root/test-artifacts/jest-results.json" || true
exit $rc
