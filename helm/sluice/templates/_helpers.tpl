{{/*
What the chart knows about each service and never takes from values: whether it consumes, its
consumer group and input topics (libs/contracts/src/topics.ts: GROUPS, STAGE_INPUTS, TOPICS), and the
partitions of those topics (the useful upper bound of its replicas).
*/}}
{{- define "sluice.catalog" -}}
registry: { consumer: false, publicApi: true }
ingest: { consumer: false, publicApi: true }
enrich: { consumer: true, publicApi: false, group: sluice.enrich, topics: [sluice.events.raw.v1], partitions: 6 }
score: { consumer: true, publicApi: false, group: sluice.score, topics: [sluice.events.enriched.v1], partitions: 6 }
persist: { consumer: true, publicApi: true, group: sluice.persist, topics: [sluice.events.scored.v1, sluice.alerts.v1], partitions: 6 }
notify: { consumer: true, publicApi: true, group: sluice.notify, topics: [sluice.alerts.v1], partitions: 3 }
{{- end -}}

{{- define "sluice.serviceNames" -}}
[registry, ingest, enrich, score, persist, notify]
{{- end -}}

{{- define "sluice.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sluice.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Object name of one service: <fullname>-<service> (at most 63 characters). */}}
{{- define "sluice.componentName" -}}
{{- printf "%s-%s" (include "sluice.fullname" .root) .svc | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sluice.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "sluice.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: sluice
{{- end -}}

{{- define "sluice.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sluice.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .svc }}
{{- end -}}

{{/* Labels every pod of this release carries (NetworkPolicy peers within the release). */}}
{{- define "sluice.releaseSelector" -}}
app.kubernetes.io/name: {{ include "sluice.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "sluice.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sluice.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sluice.image" -}}
{{- $img := .root.Values.image -}}
{{- $own := (index .root.Values.services .svc).image | default dict -}}
{{- $repo := printf "%s/%s" $img.repository .svc -}}
{{- if $own.repository }}{{ $repo = $own.repository }}{{ end -}}
{{- $tag := $own.tag | default $img.tag | default .root.Chart.AppVersion -}}
{{- if $img.registry -}}
{{- printf "%s/%s:%s" $img.registry $repo $tag -}}
{{- else -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end -}}

{{- define "sluice.kafkaBrokers" -}}
{{- required "kafka.brokers is required: the bootstrap servers of your Kafka cluster (host:port, comma-separated)" .Values.kafka.brokers -}}
{{- end -}}

{{/* The prefix as naming(prefix) in libs/contracts applies it: "staging" and "staging." both give "staging.". */}}
{{- define "sluice.topicPrefix" -}}
{{- $p := .Values.kafka.topicPrefix | default "" -}}
{{- if and $p (not (hasSuffix "." $p)) -}}{{ $p = printf "%s." $p }}{{- end -}}
{{- $p -}}
{{- end -}}

{{- define "sluice.registryUrl" -}}
{{- if .Values.services.registry.enabled -}}
{{- .Values.schemaRegistry.url | default (printf "http://%s:%v" (include "sluice.componentName" (dict "root" . "svc" "registry")) .Values.services.registry.port) -}}
{{- else -}}
{{- required "schemaRegistry.url is required when services.registry.enabled is false" .Values.schemaRegistry.url -}}
{{- end -}}
{{- end -}}

{{/* "true" when ScaledObjects are rendered (KEDA enabled and its API served or assumed). */}}
{{- define "sluice.useKeda" -}}
{{- $k := .Values.autoscaling.keda -}}
{{- if and $k.enabled (or $k.assumeInstalled (.Capabilities.APIVersions.Has "keda.sh/v1alpha1")) -}}true{{- end -}}
{{- end -}}

{{- define "sluice.useServiceMonitor" -}}
{{- $m := .Values.serviceMonitor -}}
{{- if and $m.enabled (or $m.assumeInstalled (.Capabilities.APIVersions.Has "monitoring.coreos.com/v1")) -}}true{{- end -}}
{{- end -}}

{{/*
How a service is scaled: "keda" (ScaledObject on its consumer lag), "hpa" (HorizontalPodAutoscaler),
or "" (fixed replicas).
*/}}
{{- define "sluice.scaler" -}}
{{- $cfg := index .root.Values.services .svc -}}
{{- $cat := index (include "sluice.catalog" .root | fromYaml) .svc -}}
{{- $as := $cfg.autoscaling | default dict -}}
{{- if $as.enabled -}}
{{- if and $cat.consumer (include "sluice.useKeda" .root) -}}keda
{{- else if or (not $cat.consumer) .root.Values.autoscaling.hpaFallback.enabled -}}hpa
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A pod setting: the service's own value, else the podDefaults value. */}}
{{- define "sluice.podSetting" -}}
{{- $own := index (index .root.Values.services .svc) .key -}}
{{- if $own -}}{{ toYaml $own }}{{- else if index .root.Values.podDefaults .key -}}{{ toYaml (index .root.Values.podDefaults .key) }}{{- end -}}
{{- end -}}

{{/* The non-secret environment of one service (its ConfigMap's data; its hash rolls the pods). */}}
{{- define "sluice.configData" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $cfg := index $root.Values.services $svc -}}
{{- $env := dict -}}
{{- $_ := set $env "KAFKA_BROKERS" (include "sluice.kafkaBrokers" $root) -}}
{{- $_ = set $env "LOG_LEVEL" $root.Values.logLevel -}}
{{- $_ = set $env "PORT" (toString $cfg.port) -}}
{{- if eq $svc "registry" -}}
{{- $_ = set $env "REGISTRY_TOPIC" $root.Values.schemaRegistry.topic -}}
{{- $_ = set $env "REGISTRY_PORT" (toString $cfg.port) -}}
{{- $_ = set $env "REGISTRY_HOST" "0.0.0.0" -}}
{{- else -}}
{{- $_ = set $env "REGISTRY_URL" (include "sluice.registryUrl" $root) -}}
{{- $_ = set $env "SLUICE_TOPIC_PREFIX" ($root.Values.kafka.topicPrefix | default "") -}}
{{- end -}}
{{- if eq $svc "notify" -}}
{{- $targets := list -}}
{{- range $other := list "ingest" "enrich" "score" "persist" -}}
{{- $o := index $root.Values.services $other -}}
{{- if $o.enabled -}}
{{- $targets = append $targets (printf "%s=http://%s:%v/metrics" $other (include "sluice.componentName" (dict "root" $root "svc" $other)) $o.port) -}}
{{- end -}}
{{- end -}}
{{- $_ = set $env "NOTIFY_METRICS_TARGETS" (join "," $targets) -}}
{{- end -}}
{{- if and (eq $svc "score") $cfg.rules -}}
{{- $_ = set $env "SCORE_RULES_FILE" "/etc/sluice/score-rules/rules.yaml" -}}
{{- end -}}
{{- range $k, $v := $root.Values.commonEnv -}}
{{- $_ = set $env $k (toString $v) -}}
{{- end -}}
{{- range $k, $v := $cfg.env -}}
{{- $_ = set $env $k (toString $v) -}}
{{- end -}}
{{- range $k := keys $env | sortAlpha }}
{{ $k }}: {{ index $env $k | quote }}
{{- end -}}
{{- end -}}
