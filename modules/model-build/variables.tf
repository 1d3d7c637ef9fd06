variable "name" {
  description = "Name of the model: the registry group, and the prefix of the pipelines (`<name>-training`, `<name>-hpo`)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,39}$", var.name))
    error_message = "name must be 1-40 letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "role_arn" {
  description = "IAM role the pipelines and their jobs run as."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.role_arn))
    error_message = "role_arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)."
  }
}

variable "bucket" {
  description = "S3 bucket for code, data, models and reports. Defaults below live under `s3://<bucket>/<name>/`."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket))
    error_message = "bucket must be an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)."
  }
}

variable "image" {
  description = "Training and inference image, e.g. SageMaker's XGBoost image for your region."
  type        = string
}

variable "processing_image" {
  description = "Image of the preprocessing and evaluation scripts. Default: `image`."
  type        = string
  default     = null
}

variable "training_data" {
  description = "S3 prefix of the training data (the preprocessing input). Default: `s3://<bucket>/<name>/training-data/`."
  type        = string
  default     = null

  validation {
    condition     = var.training_data == null || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$", var.training_data))
    error_message = "training_data must be an S3 URI (s3://bucket/prefix/)."
  }
}

variable "preprocess_code" {
  description = "S3 URI of the preprocessing script: reads `/opt/ml/processing/input`, writes `train`, `validation` and `test` under `/opt/ml/processing/`. Default: `s3://<bucket>/<name>/code/preprocess.py`."
  type        = string
  default     = null
}

variable "evaluate_code" {
  description = "S3 URI of the evaluation script: reads the model from `/opt/ml/processing/model` and the test set from `/opt/ml/processing/test`, writes `/opt/ml/processing/evaluation/evaluation.json`. Default: `s3://<bucket>/<name>/code/evaluate.py`."
  type        = string
  default     = null
}

variable "hyperparameters" {
  description = "Hyperparameters of the training job (and fixed hyperparameters of the tuning jobs)."
  type        = map(string)
  default     = { objective = "reg:squarederror", num_round = "50" }
}

variable "content_type" {
  description = "MIME type of the training data and of the model's requests and responses."
  type        = string
  default     = "text/csv"
}

variable "instance_type" {
  description = "Instance type of the processing, training and quality-check jobs."
  type        = string
  default     = "ml.m5.xlarge"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9]+\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be a SageMaker instance type such as ml.m5.xlarge."
  }
}

variable "evaluation" {
  description = "Quality gate: the metric read from `evaluation.json` (a dotted path), the threshold and whether lower (`minimize`) or higher (`maximize`) is better. A version is registered only when the gate passes; otherwise the execution fails."
  type = object({
    metric    = optional(string, "regression_metrics.mse.value")
    threshold = optional(number, 10)
    goal      = optional(string, "minimize")
  })
  default = {}

  validation {
    condition     = contains(["minimize", "maximize"], var.evaluation.goal)
    error_message = "evaluation.goal must be \"minimize\" or \"maximize\"."
  }
  validation {
    condition     = can(regex("^[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*$", var.evaluation.metric))
    error_message = "evaluation.metric must be a dotted path into evaluation.json, e.g. regression_metrics.mse.value."
  }
}

variable "hpo" {
  description = "Adds the HPO pipeline `<name>-hpo`: the same pipeline with a hyperparameter tuning job instead of the training job; its best model is registered for review. `null`: no HPO pipeline."
  type = object({
    objective_metric  = optional(string, "validation:rmse")
    objective_type    = optional(string, "Minimize")
    max_jobs          = optional(number, 6)
    max_parallel_jobs = optional(number, 2)
    continuous_ranges = optional(map(object({ min = number, max = number })), { eta = { min = 0, max = 1 } })
    integer_ranges    = optional(map(object({ min = number, max = number })), { max_depth = { min = 1, max = 10 } })
  })
  default = null

  validation {
    condition     = var.hpo == null || try(contains(["Minimize", "Maximize"], var.hpo.objective_type), false)
    error_message = "hpo.objective_type must be \"Minimize\" or \"Maximize\"."
  }
  validation {
    condition     = var.hpo == null || try(var.hpo.max_parallel_jobs >= 1 && var.hpo.max_parallel_jobs <= var.hpo.max_jobs, false)
    error_message = "hpo.max_parallel_jobs must be between 1 and hpo.max_jobs."
  }
  validation {
    condition     = var.hpo == null || try(alltrue([for r in concat(values(var.hpo.continuous_ranges), values(var.hpo.integer_ranges)) : r.min <= r.max]), false)
    error_message = "Every hpo range needs min <= max."
  }
}

variable "schedule" {
  description = "Retrain on a schedule: `cron(...)` or `rate(...)` (EventBridge syntax, UTC), e.g. `cron(0 3 ? * MON *)`. `null`: no schedule."
  type        = string
  default     = null

  validation {
    condition     = var.schedule == null || can(regex("^(cron|rate)\\(.+\\)$", var.schedule))
    error_message = "schedule must be cron(...) or rate(...)."
  }
}

variable "retrain_on_new_data" {
  description = "Start the training pipeline when an object arrives under `training_data` (the bucket must send its events to EventBridge)."
  type        = bool
  default     = true
}

variable "retrain_on_failure_of" {
  description = "Pipeline steps whose failure starts the HPO pipeline (or the training pipeline without `hpo`), e.g. a batch inference model-quality check: `[module.batch.model_quality_check]`."
  type = list(object({
    pipeline = string
    step     = optional(string)
  }))
  default = []
}

variable "notification_emails" {
  description = "E-mail addresses told about pipeline executions (each confirms an AWS subscription mail first)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.notification_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "notification_emails must be e-mail addresses."
  }
}

variable "notify_on" {
  description = "Execution statuses that send a notification."
  type        = list(string)
  default     = ["Failed", "Succeeded"]

  validation {
    condition     = length(var.notify_on) > 0 && alltrue([for s in var.notify_on : contains(["Executing", "Stopping", "Stopped", "Failed", "Succeeded"], s)])
    error_message = "notify_on may contain Executing, Stopping, Stopped, Failed and Succeeded."
  }
}

variable "gitlab_deploy" {
  description = "Start a GitLab pipeline (the deployment) whenever a version is approved: the project's numeric ID or path, the ref, and optional GitLab URL and CI/CD variables. Needs `gitlab_trigger_token`. `null`: no hook."
  type = object({
    project    = string
    ref        = optional(string, "main")
    gitlab_url = optional(string, "https://gitlab.com")
    variables  = optional(map(string), {})
  })
  default = null
}

variable "gitlab_trigger_token" {
  description = "Pipeline trigger token of the `gitlab_deploy` project (Settings > CI/CD > Pipeline trigger tokens), e.g. from a masked CI/CD variable `TF_VAR_gitlab_trigger_token`."
  type        = string
  default     = null
  sensitive   = true
}

variable "gitlab_trigger_token_version" {
  description = "Set (to any number; Terraform 1.11+) to pass `gitlab_trigger_token` write-only, so it is never stored in the state; change the number to send a rotated token. `null`: the token is stored in the state (sensitive), for older Terraform."
  type        = number
  default     = null
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the registry group together with its registered versions."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags of every object the module creates."
  type        = map(string)
  default     = {}
}
