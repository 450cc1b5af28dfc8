{{/*
Object names are fixed, not derived from the release: the controller's identity on the Karmada
API server (system:serviceaccount:karmada-system:clusterset-dns), its Lease and every
document name them, and config/ uses the same ones. One release per namespace.
*/}}

{{/* What selects the pods: config/host's selector, so a kustomize install can be adopted. */}}
{{- define "clusterset-dns.selectorLabels" -}}
app.kubernetes.io/name: clusterset-dns
{{- end -}}

{{- define "clusterset-dns.labels" -}}
{{ include "clusterset-dns.selectorLabels" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "clusterset-dns.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
