#!/usr/bin/env bash
# The whole test suite: builds, makes sure Kafka, PostgreSQL and the schema registry are up (starting
# those that are not, and stopping them again afterwards), then runs jest over every package.
# Extra arguments go to the first phase's jest (for example: npm test -- libs/runtime); with none, the
# system phase (test/e2e, test/faults, test/hostile) runs after it, then the offline deployment checks
# (deploy/check-deploy.sh: Helm chart, compose, Prometheus, Grafana), whose Go tools are built at low
# priority in the background while jest runs (log: test-artifacts/check-deploy.log).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
source deploy/lib.sh

started=()
tools_pid=
cleanup() {
  local rc=$?
  # The background tool build is its own process group (setsid): stop all of it if we end early.
  if [ -n "$tools_pid" ]; then kill -- "-$tools_pid" 2>/dev/null || true; fi
  for ((i=${#started[@]}-1; i>=0; i--)); do stop_component "${started[$i]}" || true; done
  exit $rc
}
trap cleanup EXIT

ensure_installed
mkdir -p test-artifacts
rm -f test-artifacts/jest-*.json test-artifacts/check-deploy*.log
deploy_checks=0
if [ $# -eq 0 ]; then
  deploy_checks=1
  # Only the first run on a machine compiles (minutes); nice 19 leaves the CPU to jest and the broker.
  setsid nice -n 19 bash deploy/check-deploy.sh --tools-only >test-artifacts/check-deploy-tools.log 2>&1 &
  tools_pid=$!
fi
build
for c in kafka postgres registry; do
  if ! component_up "$c"; then start_component "$c"; started+=("$c"); fi
done

rc=0
# Phase 1: every package's tests, in parallel. Phase 2: the system tests, one at a time.
npx --no-install jest --json --outputFile=test-artifacts/jest-packages.json "$@" || rc=$?
if [ $# -eq 0 ] || [ "${SLUICE_TEST_PHASE:-}" = system ]; then
  SLUICE_TEST_PHASE=system npx --no-install jest --json --outputFile=test-artifacts/jest-system.json || rc=$?
fi
# Phase 3: the deployment checks, once the tools are built.
deploy_result=skipped
if [ "$deploy_checks" = 1 ]; then
  deploy_start=$(date +%s)
  # Nothing of ours competes any more: back to normal priority if allowed (root), then wait for it.
  renice -n 0 -g "$tools_pid" >/dev/null 2>&1 || true
  wait "$tools_pid" || true # a failed tool build is retried, and reported, by the full run below
  tools_pid=
  if bash deploy/check-deploy.sh >test-artifacts/check-deploy.log 2>&1; then
    deploy_result=passed
    say "deployment checks passed in $(( $(date +%s) - deploy_start )) s after jest (log: test-artifacts/check-deploy.log)"
  else
    deploy_result=failed
    rc=1
    cat test-artifacts/check-deploy-tools.log test-artifacts/check-deploy.log | tail -40
    say "deployment checks FAILED (full log: test-artifacts/check-deploy.log)"
  fi
fi
DEPLOY_RESULT=$deploy_result node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0, suites = 0, broken = [];
  for (const f of process.argv.slice(1)) {
    if (!fs.existsSync(f)) continue;
    const r = JSON.parse(fs.readFileSync(f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests; suites += r.numTotalTestSuites;
    // A suite that failed to run (a crashed worker, a syntax error) has no failed tests of its own.
    for (const t of r.testResults) if (t.status === "failed" && t.assertionResults.every((a) => a.status !== "failed")) broken.push(t.name.replace(process.cwd() + "/", ""));
  }
  console.log(`\njest: ${passed} passed, ${failed} failed, ${skipped} skipped (${suites} suites)`);
  if (broken.length) console.log(`suites that failed to run: ${broken.length} (${broken.join(", ")})`);
  failed += broken.length;
  const deploy = process.env.DEPLOY_RESULT;
  if (deploy !== "skipped") console.log(`deploy checks: ${deploy}`);
  if (deploy === "passed") passed += 1;
  if (deploy === "failed") failed += 1;
  console.log(`${passed} passed, ${failed} failed`);
' "$root/test-artifacts/jest-packages.json" "$root/test-artifacts/jest-system.json" || true
exit $rc
