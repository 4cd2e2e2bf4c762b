{{- define "jira-mcp.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Resource names follow the operations runbook (jira-mcp-server, jira-mcp-config, ...). */}}
{{- define "jira-mcp.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- "jira-mcp-server" -}}
{{- end -}}
{{- end -}}

{{- define "jira-mcp.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "jira-mcp.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: jira-mcp
{{- end -}}

{{- define "jira-mcp.selectorLabels" -}}
app.kubernetes.io/name: {{ include "jira-mcp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "jira-mcp.secretName" -}}
{{- default "jira-mcp-secrets" .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "jira-mcp.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Host headers the MCP transport accepts: the Service (short, namespaced, FQDN), the Ingress host. */}}
{{- define "jira-mcp.allowedHosts" -}}
{{- $svc := include "jira-mcp.fullname" . -}}
{{- $hosts := list $svc (printf "%s.%s" $svc .Release.Namespace) (printf "%s.%s.svc" $svc .Release.Namespace) (printf "%s.%s.svc.cluster.local" $svc .Release.Namespace) -}}
{{- if .Values.ingress.enabled -}}{{- $hosts = append $hosts .Values.ingress.host -}}{{- end -}}
{{- $hosts = concat $hosts .Values.transport.extraAllowedHosts -}}
{{- join "," $hosts -}}
{{- end -}}
