variable "name" {
  description = "Name of the endpoint and of its monitor."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,39}$", var.name))
    error_message = "name must be 1-40 letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "role_arn" {
  description = "IAM role SageMaker assumes to pull the model and run the monitoring jobs."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.role_arn))
    error_message = "role_arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)."
  }
}

variable "model_package_group" {
  description = "Registry group whose latest approved version is served. Approving a newer version rolls it out at the next apply (canary with automatic rollback)."
  type        = string
}

variable "bucket" {
  description = "S3 bucket for captured requests (`s3://<bucket>/<name>/data-capture`) and monitoring reports (`s3://<bucket>/<name>/monitoring`)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket))
    error_message = "bucket must be an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)."
  }
}

variable "instance_type" {
  description = "Instance type of the endpoint."
  type        = string
  default     = "ml.m5.large"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9]+\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be a SageMaker instance type such as ml.m5.large."
  }
}

variable "autoscaling" {
  description = "Instance count bounds and the target invocations per instance per minute. `null`: a fixed `min_instances` count."
  type = object({
    min_instances                   = optional(number, 1)
    max_instances                   = optional(number, 4)
    target_invocations_per_instance = optional(number, 100)
  })
  default = {}

  validation {
    condition     = var.autoscaling == null || try(var.autoscaling.min_instances >= 1 && var.autoscaling.min_instances <= var.autoscaling.max_instances, false)
    error_message = "autoscaling needs 1 <= min_instances <= max_instances."
  }
}

variable "rollout" {
  description = "How a new version rolls out: `canary` (default: 10 % for 5 minutes), `linear` or `all_at_once`, rolled back automatically when the endpoint's 5xx or latency alarms (or `alarm_names`) fire."
  type = object({
    strategy     = optional(string, "canary")
    step_percent = optional(number, 10)
    wait_seconds = optional(number, 300)
    alarm_names  = optional(list(string), [])
  })
  default = {}

  validation {
    condition     = contains(["canary", "linear", "all_at_once"], var.rollout.strategy)
    error_message = "rollout.strategy must be canary, linear or all_at_once."
  }
}

variable "smoke_test" {
  description = "Requests sent after each rollout (e.g. rows of a holdout set); each response must match `expect` (a regular expression), or the endpoint is rolled back to the previous version and the apply fails."
  type = list(object({
    body         = string
    content_type = optional(string, "text/csv")
    expect       = optional(string)
  }))
  default = []
}

variable "capture_percentage" {
  description = "Share of requests (and responses) captured for monitoring, 1-100."
  type        = number
  default     = 100

  validation {
    condition     = var.capture_percentage >= 1 && var.capture_percentage <= 100
    error_message = "capture_percentage must be between 1 and 100."
  }
}

variable "monitoring_schedule" {
  description = "When the monitor runs: `hourly`, `daily` or a cron expression SageMaker accepts."
  type        = string
  default     = "daily"
}

variable "data_quality" {
  description = "Monitor the captured requests' data quality (against `data_quality_baseline`, `baseline_dataset` or the served version's registered baseline)."
  type        = bool
  default     = true
}

variable "data_quality_baseline" {
  description = "Statistics and constraints the captured requests are compared with. Default: the data-quality baseline registered with the served version (as `model-build` registers it)."
  type = object({
    statistics  = string
    constraints = string
  })
  default = null
}

variable "baseline_dataset" {
  description = "Compute the data-quality baseline from this dataset (e.g. the training data; CSV with a header, or JSON Lines) with a baselining job the provider starts, instead of the baseline registered with the served version. `data_quality_baseline` wins over it."
  type = object({
    s3_uri = string
    format = optional(string, "csv")
  })
  default = null

  validation {
    condition     = var.baseline_dataset == null || try(contains(["csv", "json"], var.baseline_dataset.format), false)
    error_message = "baseline_dataset.format must be csv or json."
  }
}

variable "model_quality" {
  description = "Also monitor model quality against ground-truth labels: problem type, label location, the output attribute holding the prediction, and alert thresholds per metric (e.g. `{ rmse = 5 }` or `{ f1 = 0.8 }`). `null`: data quality only."
  type = object({
    problem_type        = string
    ground_truth_s3_uri = string
    inference_attribute = string
    metric_thresholds   = optional(map(number), {})
  })
  default = null

  validation {
    condition     = var.model_quality == null || try(contains(["Regression", "BinaryClassification", "MulticlassClassification"], var.model_quality.problem_type), false)
    error_message = "model_quality.problem_type must be Regression, BinaryClassification or MulticlassClassification."
  }
}

variable "drift_thresholds" {
  description = "Alarm when a feature of the captured requests drifts from the baseline by more than this distance, per feature, e.g. `{ tenure_months = 0.2 }`."
  type        = map(number)
  default     = {}

  validation {
    condition     = alltrue([for v in values(var.drift_thresholds) : v > 0 && v <= 1])
    error_message = "drift_thresholds are distances between 0 (exclusive) and 1."
  }
}

variable "alert_emails" {
  description = "E-mail addresses the monitoring alarms (drift, model-quality thresholds) notify, through a topic the provider creates. Each confirms an AWS subscription mail first."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alert_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alert_emails must be e-mail addresses."
  }
}

variable "alert_topic_arn" {
  description = "An existing SNS topic the monitoring alarms notify, instead of `alert_emails`."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of every object the module creates."
  type        = map(string)
  default     = {}
}
