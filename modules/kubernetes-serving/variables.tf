variable "name" {
  description = "Name of the MLflow registered model, of the endpoint (InferenceService or SeldonDeployment), of its alerting rule and of the feature view's objects."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$", var.name))
    error_message = "name must be 1-40 lowercase letters, digits and hyphens, starting and ending with a letter or digit (a Kubernetes name and an MLflow model name)."
  }
}

variable "namespace" {
  description = "Kubernetes namespace of the endpoint and its PrometheusRule (it must exist)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a Kubernetes namespace name (a DNS label)."
  }
}

variable "platform" {
  description = "What serves the model: `kserve` (an InferenceService) or `seldon` (a Seldon Core v1 SeldonDeployment)."
  type        = string
  default     = "kserve"

  validation {
    condition     = contains(["kserve", "seldon"], var.platform)
    error_message = "platform must be kserve or seldon."
  }
}

variable "alias" {
  description = "The MLflow alias of the version to serve. Moving it (e.g. `MlflowClient().set_registered_model_alias(name, \"champion\", \"7\")` in the training job) shows as a change at the next plan; apply rolls the new version out."
  type        = string
  default     = "champion"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,255}$", var.alias))
    error_message = "alias must be 1-255 letters, digits, _ and -."
  }
}

variable "first_version_uri" {
  description = "Files of the first model version (e.g. `s3://models/churn/1`), registered holding `alias` so the endpoint has a model on the first apply; training code registers the next ones and moves the alias. `null` with `create_registered_model = false`: the registered model and a version holding the alias exist already."
  type        = string
  default     = null

  validation {
    condition     = var.first_version_uri == null || can(regex("^(s3|gs|https?|pvc|oci)://\\S+$", var.first_version_uri))
    error_message = "first_version_uri must be a URI the serving runtime can load (s3://, gs://, https://, pvc:// or oci://)."
  }
}

variable "create_registered_model" {
  description = "Create the MLflow registered model `name` (with `first_version_uri`). `false` when training code registered it already: the endpoint then serves the version holding `alias` of that model."
  type        = bool
  default     = true
}

variable "model_format" {
  description = "Format of the model files, which picks the serving runtime: `mlflow` (any MLflow flavour: KServe's MLServer or Seldon's MLFLOW_SERVER), `sklearn`, `xgboost`, ..."
  type        = string
  default     = "mlflow"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_-]*$", var.model_format))
    error_message = "model_format must be a lowercase runtime format name such as mlflow or sklearn."
  }
}

variable "canary_traffic_percent" {
  description = "Share of traffic (1-99) a new version gets while the previous one keeps the rest; `null` or 100: a new version takes all traffic at once. Promote a canary by setting 100."
  type        = number
  default     = 10

  validation {
    condition     = var.canary_traffic_percent == null || try(var.canary_traffic_percent >= 1 && var.canary_traffic_percent <= 100 && floor(var.canary_traffic_percent) == var.canary_traffic_percent, false)
    error_message = "canary_traffic_percent must be a whole number from 1 to 100, or null."
  }
}

variable "replicas" {
  description = "Replica bounds of the model server (Seldon runs `min` replicas per predictor; KServe autoscales between them)."
  type = object({
    min = optional(number, 1)
    max = optional(number, 3)
  })
  default = {}

  validation {
    condition     = try(var.replicas.min >= 0 && var.replicas.min <= var.replicas.max, false)
    error_message = "replicas needs 0 <= min <= max."
  }
}

variable "resources" {
  description = "CPU and memory requests of the model container (Kubernetes quantities)."
  type = object({
    cpu    = optional(string, "500m")
    memory = optional(string, "1Gi")
  })
  default = {}

  validation {
    condition     = can(regex("^[0-9]+(\\.[0-9]+)?m?$", var.resources.cpu)) && can(regex("^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$", var.resources.memory))
    error_message = "resources.cpu must be a CPU quantity such as 500m or 2, and resources.memory a memory quantity such as 512Mi or 2Gi."
  }
}

variable "storage_secret_name" {
  description = "Seldon only: Secret with the credentials the model initializer downloads the files with (e.g. AWS_ACCESS_KEY_ID...). KServe takes them from the service account."
  type        = string
  default     = null
}

variable "labels" {
  description = "Labels of the endpoint object, added to every alert too (route alerts in Alertmanager by team)."
  type        = map(string)
  default     = {}
}

variable "alerts" {
  description = "Prometheus alerts on the endpoint's request metrics: failed-request ratio, latency at a percentile, and no traffic; `null`: no PrometheusRule. `rule_labels` go on the PrometheusRule for the Prometheus ruleSelector (e.g. `release = \"kube-prometheus-stack\"`)."
  type = object({
    max_error_ratio    = optional(number, 0.05)
    max_latency        = optional(number, 0.5)
    latency_percentile = optional(number, 0.99)
    no_traffic_for     = optional(string, "30m")
    rule_labels        = optional(map(string), {})
  })
  default = {}

  validation {
    condition     = var.alerts == null || try(var.alerts.max_error_ratio > 0 && var.alerts.max_error_ratio < 1 && var.alerts.max_latency > 0 && var.alerts.latency_percentile > 0 && var.alerts.latency_percentile < 1, false)
    error_message = "alerts needs 0 < max_error_ratio < 1, max_latency > 0 (seconds) and 0 < latency_percentile < 1."
  }
  validation {
    condition     = var.alerts == null || can(regex("^([0-9]+(ms|s|m|h|d|w|y))+$", var.alerts.no_traffic_for))
    error_message = "alerts.no_traffic_for must be a Prometheus duration such as 30m or 1h."
  }
}

variable "feature_view" {
  description = "A Feast feature view the model reads (needs the provider's feast block): the entity key column and its type, the event-time column, the features (`name = type`, e.g. `{ total_spend = \"Float64\" }`; add freely, removing or retyping one is refused), the Parquet source and the online TTL in days. `null`: none."
  type = object({
    entity_key      = string
    entity_key_type = optional(string, "Int64")
    event_time      = string
    features        = map(string)
    source_path     = string
    ttl_days        = optional(number, 1)
  })
  default = null

  validation {
    condition     = var.feature_view == null || try(length(var.feature_view.features) > 0 && alltrue([for t in values(var.feature_view.features) : contains(["Int32", "Int64", "Float32", "Float64", "String", "Bool", "Bytes", "UnixTimestamp"], t)]), false)
    error_message = "feature_view.features needs at least one feature, each of type Int32, Int64, Float32, Float64, String, Bool, Bytes or UnixTimestamp."
  }
}
