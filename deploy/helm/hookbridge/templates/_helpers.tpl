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

{{/* hookbridge's settings (hookbridge --help) besides GETPROFILE_* and
     HOOKBRIDGE_RDKAFKA_*, as a YAML list: extraEnv may name no other.
     values.schema.json's config lists the same (tests/deploy/helm/
     check_values.py keeps both equal to hookbridge --help). */}}
{{- define "hookbridge.knownSettings" -}}
- HOOKBRIDGE_LISTEN
- HOOKBRIDGE_WEBHOOK_PATH
- HOOKBRIDGE_KAFKA_TOPIC
- HOOKBRIDGE_DEAD_LETTER_TOPIC
- HOOKBRIDGE_ACK_TIMEOUT_MS
- HOOKBRIDGE_MAX_BODY_BYTES
- HOOKBRIDGE_MAX_IN_FLIGHT
- HOOKBRIDGE_MAX_CONNECTIONS
- HOOKBRIDGE_REQUEST_TIMEOUT_MS
- HOOKBRIDGE_HTTP_LOOPS
- HOOKBRIDGE_DEDUP_WINDOW_S
- HOOKBRIDGE_DEDUP_MAX_IDS
- HOOKBRIDGE_LOG_LEVEL
- HOOKBRIDGE_DRAIN_GRACE_MS
- HOOKBRIDGE_TLS_CERT_FILE
- HOOKBRIDGE_TLS_KEY_FILE
- HOOKBRIDGE_KAFKA_BROKERS
- HOOKBRIDGE_SOURCES_FILE
{{- end -}}

{{/* Settings the chart renders from other values (name: that value), as
     YAML: they are refused in config and extraEnv, so that no two values
     say different things (and extraEnv cannot put back "embedded"). */}}
{{- define "hookbridge.derivedSettings" -}}
HOOKBRIDGE_KAFKA_BROKERS: kafka.brokers
HOOKBRIDGE_SOURCES_FILE: sources.file
GETPROFILE_API_KEY_FILE: apiKeys
GETPROFILE_API_KEY: apiKeys
HOOKBRIDGE_RDKAFKA_SECURITY_PROTOCOL: kafka.securityProtocol
HOOKBRIDGE_RDKAFKA_SASL_MECHANISMS: kafka.sasl.mechanism
HOOKBRIDGE_RDKAFKA_SASL_MECHANISM: kafka.sasl.mechanism
HOOKBRIDGE_RDKAFKA_SASL_USERNAME: kafka.sasl.username
HOOKBRIDGE_RDKAFKA_SASL_PASSWORD: kafka.sasl.passwordSecret
HOOKBRIDGE_RDKAFKA_SASL_PASSWORD_FILE: kafka.sasl.passwordSecret
HOOKBRIDGE_RDKAFKA_SSL_CA_LOCATION: kafka.tls
HOOKBRIDGE_RDKAFKA_SSL_CERTIFICATE_LOCATION: kafka.tls
HOOKBRIDGE_RDKAFKA_SSL_KEY_LOCATION: kafka.tls
HOOKBRIDGE_RDKAFKA_SSL_KEY_PASSWORD: kafka.tls.keyPasswordSecret
HOOKBRIDGE_RDKAFKA_SSL_KEY_PASSWORD_FILE: kafka.tls.keyPasswordSecret
{{- end -}}

{{/* Setting names that hold a secret (librdkafka's sasl.password,
     ssl.key.password, ssl.key.pem, ssl.keystore.*, OAUTHBEARER config and
     client secret, JAAS): values.schema.json keeps them out of config too. */}}
{{- define "hookbridge.secretNamePattern" -}}
PASSWORD|SECRET|SSL_KEY_PEM|SSL_KEYSTORE|OAUTHBEARER_CONFIG|JAAS
{{- end -}}

{{/* The port hookbridge listens on: HOOKBRIDGE_LISTEN's (or its default's),
     one source for the container port, the probes and the scrape
     annotation. Each "| default" on a .Values.config setting in these
     templates is hookbridge's own default: tests/deploy/helm/check_values.py
     holds them to `hookbridge --help`. */}}
{{- define "hookbridge.port" -}}
{{- $listen := .Values.config.HOOKBRIDGE_LISTEN | default "0.0.0.0:8080" | toString -}}
{{- $port := regexFind "[0-9]+$" $listen -}}
{{- if not $port -}}{{- fail (printf "config.HOOKBRIDGE_LISTEN %q has no port" $listen) -}}{{- end -}}
{{- $port -}}
{{- end -}}

{{/* Whole seconds of a setting given in ms, rounded up. */}}
{{- define "hookbridge.ceilSeconds" -}}
{{- div (add (int .) 999) 1000 -}}
{{- end -}}
