#!/usr/bin/env bash
# Offline checks of everything Sluice deploys with: the Helm chart, docker-compose.yml, the Dockerfile,
# the Prometheus configuration and the Grafana dashboard. No cluster, no Docker engine, no GitHub:
#   - helm and deploy/k8s-validate (Go) are built together, by one `go build` in deploy/k8s-validate's
#     module, from the Go module proxy, and cached: helm's version is the helm.sh/helm/v4 requirement
#     of deploy/k8s-validate/go.mod (its `tool` line), so the two share every compiled Kubernetes package;
#   - k8s-validate decodes every rendered built-in Kubernetes object strictly into its Go type
#     (client-go's scheme; the Prometheus Operator's ServiceMonitor through its own types), validates
#     KEDA's ScaledObjects against the CRD schema of the KEDA release (its module, from the proxy) plus
#     KEDA's webhook checks, loads docker-compose.yml with compose-go (what `docker compose config`
#     runs), prometheus.yml strictly into Prometheus's config fields, the rules with Prometheus's rulefmt,
#     the dashboard's PromQL with Prometheus's parser, and checks each charted metric against what the
#     services export;
#   - negative controls: known-bad files under deploy/k8s-validate/testdata must be refused.
# Cache: ${SLUICE_CACHE:-~/.cache/sluice}/bin (plus Go's own build and module caches). Needs go (1.26)
# and node. `check-deploy.sh --tools-only` only builds/fetches the tools (deploy/test.sh runs that in the
# background while the jest phases run). Set SLUICE_CHECK_LIVE=1 to also read /metrics of Sluice
# processes running on their default ports.
set -euo pipefail
# The whole script is one function, parsed before it runs: editing the file during a run is harmless.
main() {
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

KEDA_VERSION=v2.21.0 # the KEDA release whose ScaledObject CRD the chart's ScaledObjects must satisfy
GRAFANA_SCHEMA_VERSION=13.2.3 # @grafana/schema of the Grafana image docker-compose.yml runs
cache=${SLUICE_CACHE:-$HOME/.cache/sluice}
bin="$cache/bin"
mkdir -p "$bin"
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-check-deploy.XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$(date +%s)

say() { printf '[check-deploy] %s\n' "$*"; }
fail() { printf '[check-deploy] FAILED: %s\n' "$*" >&2; exit 1; }
command -v go >/dev/null || fail "go is required (it builds helm and the validator from the Go module proxy)"
command -v node >/dev/null || fail "node is required"
[ -x node_modules/.bin/tsc ] || fail "the workspace is not installed (run deploy/pnpm.sh install): the metric registry and tsc come from it"
tools_only=0
[ "${1:-}" = --tools-only ] && tools_only=1
export GOFLAGS="-mod=readonly -buildvcs=false"

# --- tools --------------------------------------------------------------------------------------------
kv=deploy/k8s-validate
helm_version=$(sed -n 's:^[[:space:]]*helm\.sh/helm/v4 \(v[^[:space:]]*\).*:\1:p' "$kv/go.mod")
[ -n "$helm_version" ] || fail "$kv/go.mod does not require helm.sh/helm/v4"
mod_hash=$(cat "$kv/go.mod" "$kv/go.sum" | sha256sum | cut -c1-16)
src_hash=$(cat "$kv"/*.go "$kv/go.mod" "$kv/go.sum" | sha256sum | cut -c1-16)
helm="$bin/helm-$helm_version-$mod_hash"
validate="$bin/k8s-validate-$src_hash"
targets=()
[ -x "$helm" ] || targets+=(helm.sh/helm/v4/cmd/helm)
[ -x "$validate" ] || targets+=(.)
if [ ${#targets[@]} -gt 0 ]; then
  say "building ${targets[*]} in $kv from the Go module proxy (cached in $bin; first time: several minutes)"
  build_start=$(date +%s)
  # CGO_ENABLED=0 as helm's own release builds; it also skips the cgo steps.
  (cd "$kv" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=$helm_version" \
    -o "$work/gobin/" "${targets[@]}")
  if [ -f "$work/gobin/helm" ]; then
    find "$bin" -maxdepth 1 -name 'helm-*' -delete
    mv "$work/gobin/helm" "$helm"
  fi
  if [ -f "$work/gobin/k8s-validate" ]; then
    find "$bin" -maxdepth 1 -name 'k8s-validate-*' -delete
    mv "$work/gobin/k8s-validate" "$validate"
  fi
  say "built in $(( $(date +%s) - build_start )) s"
fi
# helm keeps its own state away from the user's helm configuration.
export HELM_CACHE_HOME="$cache/helm/cache" HELM_CONFIG_HOME="$cache/helm/config" HELM_DATA_HOME="$cache/helm/data"
# KEDA's CRDs ship in its Go module: the proxy serves the release's files, checksummed by sum.golang.org.
keda_dir=$(cd "$work" && GOFLAGS= go mod download -json "github.com/kedacore/keda/v2@$KEDA_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
keda_crd="$keda_dir/config/crd/bases/keda.sh_scaledobjects.yaml"
[ -f "$keda_crd" ] || fail "KEDA $KEDA_VERSION's ScaledObject CRD not found (go mod download github.com/kedacore/keda/v2@$KEDA_VERSION)"
grafana_schema="$cache/npm/grafana-schema-$GRAFANA_SCHEMA_VERSION"
if [ ! -f "$grafana_schema/package.json" ]; then
  say "fetching @grafana/schema@$GRAFANA_SCHEMA_VERSION from the npm registry (once; cached in $cache/npm)"
  (cd "$work" && npm pack --silent --loglevel=error "@grafana/schema@$GRAFANA_SCHEMA_VERSION" >/dev/null)
  mkdir -p "$grafana_schema.tmp" && tar -xzf "$work"/grafana-schema-*.tgz -C "$grafana_schema.tmp" --strip-components=1
  rm -rf "$grafana_schema" && mv "$grafana_schema.tmp" "$grafana_schema"
fi
say "tools: helm $("$helm" version --short), k8s-validate $src_hash, KEDA $KEDA_VERSION CRD, @grafana/schema $GRAFANA_SCHEMA_VERSION"
if [ "$tools_only" = 1 ]; then exit 0; fi

# --- metrics the services export ------------------------------------------------------------------------
if [ -d node_modules ] && [ ! -f libs/runtime/dist/index.js ]; then
  say "building the workspace (tsc -b) to read the services' metric registry"
  npx --no-install tsc -b tsconfig.build.json
fi
live=()
if [ "${SLUICE_CHECK_LIVE:-0}" = 1 ]; then
  for port in 8081 8080 9101 9102 8082 8083; do live+=("http://127.0.0.1:$port/metrics"); done
fi
node deploy/k8s-validate/exported-metrics.js "$root" "${live[@]}" > "$work/exported.txt"
say "exported metric families: $(wc -l < "$work/exported.txt") ($(awk '{sub(/:.*/, "", $3); print $3}' "$work/exported.txt" | sort | uniq -c | awk '{printf "%s%s from %s", sep, $1, $2; sep=", "}'))"

# --- Helm chart ---------------------------------------------------------------------------------------
chart=helm/sluice
brokers=(--set kafka.brokers=kafka-bootstrap.kafka.svc:9092) # the one required value
crds=(--api-versions keda.sh/v1alpha1 --api-versions monitoring.coreos.com/v1)
"$helm" lint --strict "$chart" "${brokers[@]}" >"$work/lint.log" 2>&1 || { cat "$work/lint.log"; fail "helm lint (default values)"; }
"$helm" lint --strict "$chart" -f "$chart/values-production.yaml" >"$work/lint.log" 2>&1 || { cat "$work/lint.log"; fail "helm lint (values-production.yaml)"; }
say "helm lint --strict: default values and values-production.yaml pass (values.schema.json included)"

if "$helm" template t "$chart" >"$work/none.yaml" 2>"$work/none.err"; then
  fail "helm template without kafka.brokers rendered; it must refuse"
fi
grep -q 'kafka.brokers is required' "$work/none.err" || { cat "$work/none.err"; fail "helm template without kafka.brokers: unexpected error"; }

render() { # name, expectations for the validator, helm template arguments…
  local name=$1 expect=$2; shift 2
  "$helm" template sluice "$chart" --namespace sluice "$@" >"$work/$name.yaml" 2>"$work/$name.err" || { cat "$work/$name.err"; fail "helm template ($name)"; }
  # shellcheck disable=SC2086
  "$validate" manifests -crd "$keda_crd" $expect "$work/$name.yaml" >"$work/$name.out" || fail "the $name rendering is not valid (problems above)"
  printf '  %-20s %s\n' "$name:" "$(sed -n '1s/^manifests: //p' "$work/$name.out")"
}
say "helm template; each rendering decoded strictly (client-go and Prometheus Operator types, KEDA's CRD schema), then"
say "cross-checked: selectors, named ports, ConfigMap references, one autoscaler per Deployment, restricted pod security:"
render default-no-crds "-require HorizontalPodAutoscaler -forbid ScaledObject,ServiceMonitor" "${brokers[@]}"
render default-keda "-require ScaledObject,ServiceMonitor" "${brokers[@]}" "${crds[@]}"
render production-keda "-require ScaledObject,ServiceMonitor,NetworkPolicy" -f "$chart/values-production.yaml" "${crds[@]}"
render production-no-crds "-require HorizontalPodAutoscaler -forbid ScaledObject,ServiceMonitor" -f "$chart/values-production.yaml"
render options "-require ScaledObject" "${brokers[@]}" --api-versions keda.sh/v1alpha1 \
  --set kafka.topicPrefix=staging --set grafanaDashboard.enabled=true --set autoscaling.hpaFallback.lagMetric=true \
  --set services.registry.enabled=false --set schemaRegistry.url=https://registry.example.com \
  --set services.notify.autoscaling.enabled=true --set-string 'services.score.rules=# rules file content' \
  --set services.ingest.autoscaling.enabled=false
render hpa-lag-metric "-require HorizontalPodAutoscaler -forbid ScaledObject" "${brokers[@]}" --set autoscaling.hpaFallback.lagMetric=true
sed -n '2s/^manifests: /  /p' "$work/production-keda.out"
grep -q 'name: sluice-dashboard' "$work/options.yaml" && grep -q 'SCORE_RULES_FILE' "$work/options.yaml" && grep -q 'consumerGroup: "staging.sluice.enrich"' "$work/options.yaml" \
  || fail "options rendering: score rules, dashboard or topic prefix missing"

cmp -s deploy/grafana/dashboards/sluice.json "$chart/dashboards/sluice.json" \
  || fail "$chart/dashboards/sluice.json differs from deploy/grafana/dashboards/sluice.json (copy the latter over the former)"
say "chart dashboard copy equals deploy/grafana/dashboards/sluice.json"

# --- docker-compose.yml, Dockerfile ----------------------------------------------------------------------
"$validate" compose docker-compose.yml | sed 's/^/  /'
if docker compose version >/dev/null 2>&1; then
  docker compose -f docker-compose.yml config -q && say "docker compose config -q: ok"
else
  say "docker compose (the CLI plugin) is not installed here; compose-go above is the same loader"
fi
kafka_version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' deploy/kafka/pom.xml)
grep -qE "image: apache/kafka:$kafka_version( |$)" docker-compose.yml \
  || fail "docker-compose.yml must run apache/kafka:$kafka_version, the version the tests use (deploy/kafka/pom.xml)"
say "compose Kafka image is apache/kafka:$kafka_version, the version deploy/kafka/pom.xml pins for the tests"
node --check deploy/docker/healthcheck.js
accepted=$(sed -n 's/.*case "${SERVICE}" in \([a-z|]*\)).*/\1/p' deploy/docker/Dockerfile | tr '|' ' ')
[ -n "$accepted" ] || fail "could not read the SERVICE values deploy/docker/Dockerfile accepts"
for svc in $accepted; do
  [ -f "services/$svc/package.json" ] || fail "deploy/docker/Dockerfile accepts SERVICE=$svc but services/$svc does not exist"
done
for pattern in '**/node_modules' '**/dist' '**/*.tsbuildinfo' '.git'; do
  grep -qxF "$pattern" .dockerignore || fail ".dockerignore must exclude $pattern (a stale tsbuildinfo makes tsc -b skip the build in the image)"
done
say "Dockerfile: SERVICE values exist, healthcheck.js parses, .dockerignore keeps build outputs out"

# --- Prometheus, Grafana ---------------------------------------------------------------------------------
"$validate" prometheus -compose docker-compose.yml -metrics "$work/exported.txt" deploy/prometheus/prometheus.yml | sed 's/^/  /'
"$validate" dashboard -compose docker-compose.yml -metrics "$work/exported.txt" deploy/grafana/dashboards/sluice.json | sed 's/^/  /'
printf '  grafana schema: '
node deploy/k8s-validate/grafana-schema-check.js "$grafana_schema" node_modules/.bin/tsc "$work/grafana" deploy/grafana/dashboards/sluice.json

# --- negative controls: the validators must refuse known-bad files ----------------------------------------
bad=deploy/k8s-validate/testdata
negatives=0
expect_refusal() { # description, expected message fragment, command…
  local what=$1 expected=$2; shift 2
  negatives=$((negatives + 1))
  if "$@" >"$work/neg.out" 2>&1; then fail "negative control: $what was accepted"; fi
  grep -qF -- "$expected" "$work/neg.out" || { cat "$work/neg.out"; fail "negative control: $what refused, but without \"$expected\""; }
}
expect_refusal "unknown field" 'unknown field "spec.template.spec.containers[0].imagePullPolice"' "$validate" manifests "$bad/bad-manifests.yaml"
expect_refusal "selector mismatch" 'spec.selector does not match spec.template.metadata.labels' "$validate" manifests "$bad/bad-manifests.yaml"
expect_refusal "root container" 'allowPrivilegeEscalation must be false' "$validate" manifests "$bad/bad-manifests.yaml"
expect_refusal "numeric KEDA metadata" 'spec.triggers[0].metadata.lagThreshold in body must be of type string' \
  "$validate" manifests -crd "$keda_crd" "$bad/bad-scaledobject.yaml"
expect_refusal "unknown ScaledObject field" 'unknown field "spec.minReplicaCout"' "$validate" manifests -crd "$keda_crd" "$bad/bad-scaledobject.yaml"
expect_refusal "duplicate KEDA trigger name" 'triggerName "lag" is defined multiple times' "$validate" manifests -crd "$keda_crd" "$bad/bad-scaledobject.yaml"
expect_refusal "ScaledObject without its CRD" 'no kind "ScaledObject" is registered' "$validate" manifests "$bad/bad-scaledobject.yaml"
expect_refusal "two autoscalers" 'scaled by more than one autoscaler' "$validate" manifests -crd "$keda_crd" "$bad/bad-autoscalers.yaml"
expect_refusal "compose schema" 'additional properties' "$validate" compose "$bad/compose/docker-compose.yml"
expect_refusal "misspelt Prometheus key" 'field scrape_timout not found' "$validate" prometheus "$bad/bad-prometheus.yml"
expect_refusal "scrape timeout > interval" 'scrape timeout greater than scrape interval' "$validate" prometheus "$bad/bad-prometheus-timeout.yml"
expect_refusal "unexported metric" 'metric sluice_records_teleported_total is not exported' \
  "$validate" dashboard -metrics "$work/exported.txt" "$bad/bad-dashboard.json"
expect_refusal "invalid PromQL" 'parse error' "$validate" dashboard -metrics "$work/exported.txt" "$bad/bad-dashboard.json"
expect_refusal "misspelt dashboard key" "'\"titel\"' does not exist in type 'Dashboard'" \
  node deploy/k8s-validate/grafana-schema-check.js "$grafana_schema" node_modules/.bin/tsc "$work/grafana-bad" "$bad/bad-dashboard.json"
say "negative controls: $negatives known-bad inputs refused with the expected messages"

say "all deployment checks passed in $(( $(date +%s) - start )) s"
}
main "$@"; exit
