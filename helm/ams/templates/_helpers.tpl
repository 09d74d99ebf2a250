{{/* Names, labels and the shared pieces of the API and push-worker pods. */}}

{{- define "ams.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "ams.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "ams.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "ams.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component (api or push-worker): pass (dict "root" . "component" "api"). */}}
{{- define "ams.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ams.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "ams.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "ams.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The image: repository@digest when a digest is set, else repository:tag (the tag defaults to appVersion). */}}
{{- define "ams.image" -}}
{{- $repository := required "image.repository is required: build the AMS image from the repository's Dockerfile, push it to your registry and set image.repository (docs/operations.md, Install with Helm)" .Values.image.repository -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "ams.secretName" -}}
{{- default (printf "%s-secrets" (include "ams.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* Kafka brokers: the bundled single-node Kafka when enabled, else the external list. */}}
{{- define "ams.kafkaBrokers" -}}
{{- if .Values.kafka.enabled -}}
{{- printf "%s-kafka:9092" .Release.Name -}}
{{- else -}}
{{- .Values.kafka.brokers -}}
{{- end -}}
{{- end -}}

{{- define "ams.mongodbUri" -}}
{{- if .Values.mongodb.enabled -}}
{{- printf "mongodb://%s-mongodb:27017/ams" .Release.Name -}}
{{- else -}}
{{- .Values.mongodb.uri -}}
{{- end -}}
{{- end -}}

{{/*
Environment of both kinds of pod: settings from the ConfigMap, secrets from the Secret, the component's own variables
($env, name -> value), then extraEnvFrom and extraEnv. A name in extraEnv replaces the chart's entry of that name
(one entry per name: server-side apply refuses duplicates). Pass (dict "root" . "env" (dict "AMS_PUSH_WORKER" "inline")).
*/}}
{{- define "ams.env" -}}
{{- $root := .root -}}
{{- $overridden := dict -}}
{{- range $root.Values.extraEnv }}{{ $_ := set $overridden .name true }}{{ end -}}
envFrom:
  - configMapRef:
      name: {{ include "ams.fullname" $root }}
{{- with $root.Values.extraEnvFrom }}
{{- toYaml . | nindent 2 }}
{{- end }}
env:
{{- range list "AMS_ADMIN_TOKEN" "AMS_TOKEN_KEY" "AMS_MONGODB_URI" "AMS_SERVICE_TOKEN" "AMS_METRICS_TOKEN" }}
{{- if not (hasKey $overridden .) }}
  - name: {{ . }}
    valueFrom: { secretKeyRef: { name: {{ include "ams.secretName" $root }}, key: {{ . }}, optional: true } }
{{- end }}
{{- end }}
{{- range $name, $value := .env }}
{{- if not (hasKey $overridden $name) }}
  - name: {{ $name }}
    value: {{ $value | quote }}
{{- end }}
{{- end }}
{{- with $root.Values.extraEnv }}
{{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* The writable places of a read-only root filesystem (/tmp; /data for the embedded store), then extraVolumeMounts. */}}
{{- define "ams.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if and (eq .root.Values.store "embedded") (eq .component "api") }}
- name: data
  mountPath: /data
{{- end }}
{{- with .root.Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The volumes of a pod: pass (dict "root" . "component" "api"). The data volume is the API's, on the embedded store. */}}
{{- define "ams.volumes" -}}
- name: tmp
  emptyDir: {}
{{- if and (eq .root.Values.store "embedded") (eq .component "api") }}
- name: data
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-data" (include "ams.fullname" .root)) .root.Values.persistence.existingClaim }}
{{- end }}
{{- with .root.Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Scheduling of one component's pods: pass its values (.Values.api or .Values.push). */}}
{{- define "ams.scheduling" -}}
{{- with .priorityClassName }}
priorityClassName: {{ . | quote }}
{{- end }}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Settings that cannot work are refused at template time, with the value to set. */}}
{{- define "ams.validate" -}}
{{- if eq .Values.store "kafka-mongo" -}}
{{- if and (not .Values.kafka.enabled) (not .Values.kafka.brokers) -}}
{{- fail "store=kafka-mongo needs kafka.brokers (external Kafka) or kafka.enabled=true" -}}
{{- end -}}
{{- if and (not .Values.secrets.existingSecret) (not .Values.mongodb.enabled) (not .Values.mongodb.uri) -}}
{{- fail "store=kafka-mongo needs mongodb.uri, mongodb.enabled=true, or secrets.existingSecret with AMS_MONGODB_URI" -}}
{{- end -}}
{{- else -}}
{{- if gt (int .Values.api.replicas) 1 -}}
{{- fail "store=embedded keeps its data in one SQLite file: api.replicas must be 1 (use store=kafka-mongo to scale out)" -}}
{{- end -}}
{{- if .Values.api.autoscaling.enabled -}}
{{- fail "store=embedded cannot autoscale: set api.autoscaling.enabled=false" -}}
{{- end -}}
{{- end -}}
{{- if and .Values.image.digest (not (regexMatch "^sha256:[0-9a-f]{64}$" .Values.image.digest)) -}}
{{- fail "image.digest must be sha256:<64 lowercase hex>, as `docker buildx imagetools inspect` prints it" -}}
{{- end -}}
{{- end -}}

{{/*
A secret setting kept stable across upgrades: the value given, else the one already in the release's Secret (lookup;
empty under `helm template`, which has no cluster), else a generated one when $generate: 64 hex characters (256 bits).
Pass (dict "root" . "key" "AMS_TOKEN_KEY" "value" .Values.secrets.tokenKey "generate" true).
*/}}
{{- define "ams.stableSecret" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace (include "ams.secretName" .root) -}}
{{- if .value -}}
{{- .value -}}
{{- else if and $existing (hasKey ($existing.data | default dict) .key) -}}
{{- index $existing.data .key | b64dec -}}
{{- else if .generate -}}
{{- sha256sum (randAlphaNum 64) -}}
{{- end -}}
{{- end -}}

{{/* "true" when separate push-worker pods run (they need the shared kafka-mongo backend). */}}
{{- define "ams.pushWorkers" -}}
{{- if and .Values.push.enabled (eq .Values.store "kafka-mongo") (gt (int .Values.push.replicas) 0) -}}
true
{{- end -}}
{{- end -}}
