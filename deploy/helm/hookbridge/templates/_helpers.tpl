{{/* The chart's name: "hookbridge", or nameOverride (helm create's convention). */}}
{{- define "hookbridge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's objects: "hookbridge" for a release named hookbridge,
     "<release>-hookbridge" otherwise, or fullnameOverride. */}}
{{- define "hookbridge.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := include "hookbridge.name" . -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "hookbridge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hookbridge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "hookbridge.labels" -}}
{{ include "hookbridge.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* The ServiceAccount the pods run as: the chart's own when it creates one,
     else the one named, else the namespace's "default" (as the kustomize
     base's pods do). */}}
{{- define "hookbridge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "hookbridge.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Kafka bootstrap servers: required, and never hookbridge's in-memory
     development broker, which loses every event when the pod restarts. */}}
{{- define "hookbridge.kafkaBrokers" -}}
{{- $brokers := required "kafka.brokers is required: your Kafka bootstrap servers, e.g. --set kafka.brokers=my-cluster-kafka-bootstrap.kafka:9092" .Values.kafka.brokers | toString | trim -}}
{{- if eq (lower $brokers) "embedded" -}}
{{- fail "kafka.brokers: 'embedded' is hookbridge's in-memory development broker, which loses every event on restart; give your Kafka bootstrap servers" -}}
{{- end -}}
{{- $brokers -}}
{{- end -}}

{{/* The port hookbridge listens on: HOOKBRIDGE_LISTEN's, one source for the
     container port, the probes and the scrape annotation. */}}
{{- define "hookbridge.port" -}}
{{- $listen := required "config.HOOKBRIDGE_LISTEN is required" .Values.config.HOOKBRIDGE_LISTEN | toString -}}
{{- $port := regexFind "[0-9]+$" $listen -}}
{{- if not $port -}}{{- fail (printf "config.HOOKBRIDGE_LISTEN %q has no port" $listen) -}}{{- end -}}
{{- $port -}}
{{- end -}}

{{/* Whole seconds of a setting given in ms, rounded up. */}}
{{- define "hookbridge.ceilSeconds" -}}
{{- div (add (int .) 999) 1000 -}}
{{- end -}}
