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

{{- define "ams.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
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

{{/* Environment of both kinds of pod: settings from the ConfigMap, secrets from the Secret. */}}
{{- define "ams.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "ams.fullname" . }}
env:
  - name: AMS_ADMIN_TOKEN
    valueFrom: { secretKeyRef: { name: {{ include "ams.secretName" . }}, key: AMS_ADMIN_TOKEN, optional: true } }
  - name: AMS_TOKEN_KEY
    valueFrom: { secretKeyRef: { name: {{ include "ams.secretName" . }}, key: AMS_TOKEN_KEY, optional: true } }
  - name: AMS_MONGODB_URI
    valueFrom: { secretKeyRef: { name: {{ include "ams.secretName" . }}, key: AMS_MONGODB_URI, optional: true } }
  - name: AMS_SERVICE_TOKEN
    valueFrom: { secretKeyRef: { name: {{ include "ams.secretName" . }}, key: AMS_SERVICE_TOKEN, optional: true } }
  - name: AMS_METRICS_TOKEN
    valueFrom: { secretKeyRef: { name: {{ include "ams.secretName" . }}, key: AMS_METRICS_TOKEN, optional: true } }
{{- end -}}

{{/* The writable places of a read-only root filesystem: /tmp, and /data for the embedded store. */}}
{{- define "ams.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if eq .Values.store "embedded" }}
- name: data
  mountPath: /data
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
{{- if and (not .Values.secrets.existingSecret) (not .Values.secrets.tokenKey) -}}
{{- fail "store=kafka-mongo needs secrets.tokenKey (64 hex characters, shared by all replicas) or secrets.existingSecret with AMS_TOKEN_KEY" -}}
{{- end -}}
{{- else -}}
{{- if gt (int .Values.api.replicas) 1 -}}
{{- fail "store=embedded keeps its data in one SQLite file: api.replicas must be 1 (use store=kafka-mongo to scale out)" -}}
{{- end -}}
{{- if .Values.api.autoscaling.enabled -}}
{{- fail "store=embedded cannot autoscale: set api.autoscaling.enabled=false" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "true" when separate push-worker pods run (they need the shared kafka-mongo backend). */}}
{{- define "ams.pushWorkers" -}}
{{- if and .Values.push.enabled (eq .Values.store "kafka-mongo") (gt (int .Values.push.replicas) 0) -}}
true
{{- end -}}
{{- end -}}
