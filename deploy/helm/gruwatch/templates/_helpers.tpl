{{- define "gruwatch.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "gruwatch.fullname" -}}
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

{{- define "gruwatch.selectorLabels" -}}
app.kubernetes.io/name: {{ include "gruwatch.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "gruwatch.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "gruwatch.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The retrain jobs' pods: not the service's selector labels, so neither the StatefulSet, the
Services nor the PodDisruptionBudget select them (a PDB over Job pods blocks every eviction). */}}
{{- define "gruwatch.retrainSelectorLabels" -}}
app.kubernetes.io/name: {{ include "gruwatch.name" . }}-retrain
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: retrain
{{- end }}

{{- define "gruwatch.retrainLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "gruwatch.retrainSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* The models of config.ingest.assets, once each, as a JSON list. */}}
{{- define "gruwatch.groupModels" -}}
{{- $models := list }}
{{- range (default dict .Values.config.ingest).assets }}
{{- $models = append $models (default "default" .model) }}
{{- end }}
{{- $models | uniq | toJson }}
{{- end }}

{{/* The models the retrain CronJobs train: retrainJob.models, or every model of the groups. */}}
{{- define "gruwatch.retrainModels" -}}
{{- default (include "gruwatch.groupModels" . | fromJsonArray) .Values.retrainJob.models | uniq | toJson }}
{{- end }}

{{- define "gruwatch.secretName" -}}
{{- default (include "gruwatch.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* The configuration as mounted: the values' `config` with the listener the Service reaches. */}}
{{- define "gruwatch.config" -}}
{{- $config := deepCopy .Values.config }}
{{- $http := default dict $config.http }}
{{- $_ := set $http "host" "0.0.0.0" }}
{{- $_ := set $http "port" (int .Values.service.port) }}
{{- $_ := set $config "http" $http }}
{{- toYaml $config }}
{{- end }}

{{/* Fails the render for settings that would lose or duplicate alert state. */}}
{{- define "gruwatch.validate" -}}
{{- $ingest := default dict .Values.config.ingest }}
{{- if and (gt (int .Values.replicas) 1) (or (not $ingest.kafka) $ingest.mqtt) }}
{{- fail "replicas > 1 needs the Kafka source alone (config.ingest.kafka set, config.ingest.mqtt unset): each pod keeps its assets' state on its own volume, and only a Kafka consumer group gives every asset to exactly one pod" }}
{{- end }}
{{- if .Values.retrainJob.enabled }}
{{- $retraining := default dict .Values.config.retraining }}
{{- $registry := default dict .Values.config.registry }}
{{- if or (not $ingest.kafka) $ingest.mqtt }}
{{- fail "retrainJob.enabled needs the Kafka source alone (config.ingest.kafka set, config.ingest.mqtt unset): the job is for replicas of one consumer group sharing a registry" }}
{{- end }}
{{- if not $registry.s3 }}
{{- fail "retrainJob.enabled needs config.registry.s3: the job's promotion reaches the pods only through a shared registry" }}
{{- end }}
{{- $groupModels := include "gruwatch.groupModels" . | fromJsonArray }}
{{- range $model := $.Values.retrainJob.models }}
{{- if not (has $model $groupModels) }}
{{- fail (printf "retrainJob.models names %q, which no config.ingest.assets[].model is" $model) }}
{{- end }}
{{- end }}
{{- /* Each model's settings: the defaults with its entry of retraining.models over them. */}}
{{- range $model := include "gruwatch.retrainModels" . | fromJsonArray }}
{{- $own := get (default dict $retraining.models) $model | default dict }}
{{- $source := hasKey $own "source" | ternary $own.source (default "store" $retraining.source) }}
{{- $enabled := hasKey $own "enabled" | ternary $own.enabled (default false $retraining.enabled) }}
{{- $shadowMs := hasKey $own "shadowMs" | ternary $own.shadowMs (default 0 $retraining.shadowMs) }}
{{- if ne (toString $source) "influxdb" }}
{{- fail (printf "retrainJob.enabled needs retraining source influxdb for model %q (config.retraining.source or retraining.models.%s.source): the job has no pod's store, and InfluxDB holds every pod's assets" $model $model) }}
{{- end }}
{{- if $enabled }}
{{- fail (printf "retrainJob.enabled needs retraining off in the pods for model %q (config.retraining.enabled: false, and no retraining.models.%s.enabled: true): one trainer per model, or the pods and the job would each train and promote" $model $model) }}
{{- end }}
{{- if gt (int $shadowMs) 0 }}
{{- fail (printf "retrainJob.enabled needs shadowMs 0 for model %q: a shadow period needs a running service, and `gruwatch retrain` refuses it" $model) }}
{{- end }}
{{- end }}
{{- end }}
{{- if not .Values.secrets.existingSecret }}
{{- range $variable, $key := .Values.secrets.env }}
{{- if not (or (hasKey $.Values.secrets.values $key) (has $key $.Values.secrets.generate)) }}
{{- fail (printf "secrets.env.%s names the Secret key %q, which neither secrets.values nor secrets.generate provides (or set secrets.existingSecret)" $variable $key) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
