#!/usr/bin/env bash
# The whole test suite: builds, makes sure Kafka, PostgreSQL and the schema registry are up (starting
# those that are not, and stopping them again afterwards), then runs jest over every package.
# Extra arguments go to the first phase's jest (for example: npm test -- libs/runtime); with none, the
# system phase (test/e2e, test/faults, test/hostile) runs after it.
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
rm -f test-artifacts/jest-*.json
rc=0
# Phase 1: every package's tests, in parallel. Phase 2: the system tests, one at a time.
npx --no-install jest --json --outputFile=test-artifacts/jest-packages.json "$@" || rc=$?
if [ $# -eq 0 ] || [ "${SLUICE_TEST_PHASE:-}" = system ]; then
  SLUICE_TEST_PHASE=system npx --no-install jest --json --outputFile=test-artifacts/jest-system.json || rc=$?
fi
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0, suites = 0;
  for (const f of process.argv.slice(1)) {
    if (!fs.existsSync(f)) continue;
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests; suites += r.numTotalTestSuites;
  }
  console.log(`\njest: ${passed} passed, ${failed} failed, ${skipped} skipped (${suites} suites)`);
  console.log(`${passed} passed, ${failed} failed`);
' "$root/test-artifacts/jest-packages.json" "$root/test-artifacts/jest-system.json" || true
exit $rc
