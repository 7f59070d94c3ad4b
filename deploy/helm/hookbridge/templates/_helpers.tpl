{{/* The release's objects: "hookbridge" for a release named hookbridge. */}}
{{- define "hookbridge.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hookbridge.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "hookbridge.labels" -}}
{{ include "hookbridge.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
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
