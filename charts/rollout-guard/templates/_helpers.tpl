{{/* Names and labels. Only the template subset test/charts/render_test.py renders is used. */}}

{{- define "rollout-guard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rollout-guard.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "rollout-guard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rollout-guard.labels" -}}
helm.sh/chart: {{ include "rollout-guard.chart" . }}
app.kubernetes.io/name: {{ include "rollout-guard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one component; call with (dict "ctx" $ "component" "webhook"). */}}
{{- define "rollout-guard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rollout-guard.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "rollout-guard.webhookName" -}}
{{- include "rollout-guard.fullname" . }}
{{- end }}

{{- define "rollout-guard.reconcilerName" -}}
{{- printf "%s-reconciler" (include "rollout-guard.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "rollout-guard.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* tls.mode, checked: self, certManager or secret. Every template that depends on the mode reads it
     from here, so an unknown mode fails the render with one message. */}}
{{- define "rollout-guard.tlsMode" -}}
{{- if hasKey .Values.tls.certManager "enabled" }}
{{- fail "tls.certManager.enabled is replaced by tls.mode: set tls.mode=certManager (cert-manager), tls.mode=secret (tls.existingSecret and tls.caBundle) or leave the default tls.mode=self, and remove tls.certManager.enabled" }}
{{- end }}
{{- if not (or (eq .Values.tls.mode "self") (eq .Values.tls.mode "certManager") (eq .Values.tls.mode "secret")) }}
{{- fail "tls.mode must be self, certManager or secret" }}
{{- end }}
{{- .Values.tls.mode }}
{{- end }}

{{/* The Secret the pods mount in modes certManager and secret. */}}
{{- define "rollout-guard.tlsSecretName" -}}
{{- if eq (include "rollout-guard.tlsMode" .) "certManager" }}
{{- printf "%s-tls" (include "rollout-guard.fullname" .) }}
{{- else }}
{{- required "tls.existingSecret is required with tls.mode=secret" .Values.tls.existingSecret }}
{{- end }}
{{- end }}

{{/* Mode self: the Secret the webhook keeps its CA and serving pair in (--certs-secret), and the Lease
     that elects the replica writing it and the caBundles (--certs-lease). */}}
{{- define "rollout-guard.selfCertsSecretName" -}}
{{- default (printf "%s-certs" (include "rollout-guard.fullname" .)) .Values.tls.self.secretName }}
{{- end }}

{{- define "rollout-guard.selfCertsLeaseName" -}}
{{- printf "%s-certs-leader" (include "rollout-guard.fullname" .) }}
{{- end }}

{{- define "rollout-guard.policyConfigMapName" -}}
{{- printf "%s-policy" (include "rollout-guard.fullname" .) }}
{{- end }}

{{/* The webhook configurations' clientConfig and namespaceSelector; call with
     (dict "ctx" $ "path" "/validate"). */}}
{{- define "rollout-guard.clientConfig" -}}
clientConfig:
  service:
    name: {{ include "rollout-guard.webhookName" .ctx }}
    namespace: {{ .ctx.Release.Namespace }}
    path: {{ .path }}
    port: 443
  {{- /* Mode self: the webhook's leader writes caBundle; certManager: cainjector does. */}}
  {{- if eq (include "rollout-guard.tlsMode" .ctx) "secret" }}
  caBundle: {{ required "tls.caBundle is required with tls.mode=secret" .ctx.Values.tls.caBundle | quote }}
  {{- end }}
namespaceSelector:
  matchExpressions:
  - key: kubernetes.io/metadata.name
    operator: NotIn
    values:
    {{- range .ctx.Values.webhook.excludeNamespaces }}
    - {{ . | quote }}
    {{- end }}
    - {{ .ctx.Release.Namespace | quote }}
{{- end }}

{{- define "rollout-guard.webhookRules" -}}
rules:
- apiGroups: ["argoproj.io"]
  apiVersions: ["*"]
  operations: ["CREATE", "UPDATE"]
  resources: ["rollouts", "analysistemplates", "clusteranalysistemplates"]
  scope: "*"
- apiGroups: ["autoscaling"]
  apiVersions: ["*"]
  operations: ["CREATE", "UPDATE"]
  resources: ["horizontalpodautoscalers"]
  scope: Namespaced
- apiGroups: ["keda.sh"]
  apiVersions: ["*"]
  operations: ["CREATE", "UPDATE"]
  resources: ["scaledobjects"]
  scope: Namespaced
{{- end }}

{{/* The resources both components watch (the webhook only with inventory cluster). */}}
{{- define "rollout-guard.watchRules" -}}
- apiGroups: ["argoproj.io"]
  resources: ["rollouts", "analysistemplates", "clusteranalysistemplates"]
  verbs: [{{ .verbs }}]
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: [{{ .verbs }}]
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: [{{ .verbs }}]
- apiGroups: ["keda.sh"]
  resources: ["scaledobjects"]
  verbs: [{{ .verbs }}]
- apiGroups: [""]
  resources: ["namespaces"]
  verbs: [{{ .verbs }}]
{{- end }}

{{/* Scheduling of one component: (dict "ctx" $ "component" "webhook" "v" .Values.webhook). */}}
{{- define "rollout-guard.scheduling" -}}
{{- with .v.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .v.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .v.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if .v.affinity }}
affinity:
  {{- toYaml .v.affinity | nindent 2 }}
{{- else if .v.defaultSpread }}
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "rollout-guard.selectorLabels" . | nindent 12 }}
{{- end }}
{{- if .v.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml .v.topologySpreadConstraints | nindent 2 }}
{{- else if .v.defaultSpread }}
topologySpreadConstraints:
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "rollout-guard.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}
