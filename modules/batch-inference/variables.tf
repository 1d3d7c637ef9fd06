variable "name" {
  description = "Name of the batch inference pipeline (`<name>`) and prefix of its reports under `s3://<bucket>/<name>/`."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,39}$", var.name))
    error_message = "name must be 1-40 letters, digits and hyphens, starting and ending with a letter or digit."
  }
}

variable "role_arn" {
  description = "IAM role the pipeline and its jobs run as."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.role_arn))
    error_message = "role_arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)."
  }
}

variable "bucket" {
  description = "S3 bucket for inputs, predictions and reports."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket))
    error_message = "bucket must be an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)."
  }
}

variable "model_package_group" {
  description = "Registry group whose latest approved version makes the predictions (e.g. `module.build.model_package_group_name`). Its registered data-quality baseline is what the inference data is checked against. Until a version is approved the pipeline exists but its triggers are disabled."
  type        = string
}

variable "input_data" {
  description = "S3 prefix of the data to score. Default: `s3://<bucket>/<name>/input/`."
  type        = string
  default     = null

  validation {
    condition     = var.input_data == null || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$", var.input_data))
    error_message = "input_data must be an S3 URI (s3://bucket/prefix/)."
  }
}

variable "preprocess" {
  description = "Optional preprocessing before scoring: the image and S3 URI of a script that reads `/opt/ml/processing/input` and writes `/opt/ml/processing/output`."
  type = object({
    image = string
    code  = string
  })
  default = null
}

variable "content_type" {
  description = "MIME type of the records sent to the model and of its predictions."
  type        = string
  default     = "text/csv"
}

variable "transform" {
  description = "Batch transform record handling: JSONPath filters on input and output, and `join_source = \"Input\"` to keep the input (e.g. a label column) next to each prediction."
  type = object({
    input_filter  = optional(string)
    output_filter = optional(string)
    join_source   = optional(string)
  })
  default = {}

  validation {
    condition     = var.transform.join_source == null || contains(["None", "Input"], coalesce(var.transform.join_source, "None"))
    error_message = "transform.join_source must be \"None\" or \"Input\"."
  }
}

variable "instance_type" {
  description = "Instance type of the transform and quality-check jobs."
  type        = string
  default     = "ml.m5.xlarge"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9]+\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be a SageMaker instance type such as ml.m5.xlarge."
  }
}

variable "instance_count" {
  description = "Instances of the transform job."
  type        = number
  default     = 1

  validation {
    condition     = var.instance_count >= 1 && floor(var.instance_count) == var.instance_count
    error_message = "instance_count must be a whole number >= 1."
  }
}

variable "model_quality" {
  description = "Check the model's quality on each batch when the data carries ground truth (needs `transform.join_source = \"Input\"`): problem type, the prediction and label columns of the joined output, and optionally baseline constraints (default: the approved version's registered model-quality constraints). A failing check fails the step, which `model_quality_check` turns into a retraining trigger."
  type = object({
    problem_type           = string
    inference_attribute    = string
    ground_truth_attribute = string
    probability_attribute  = optional(string)
    baseline_constraints   = optional(string)
  })
  default = null

  validation {
    condition     = var.model_quality == null || try(contains(["Regression", "BinaryClassification", "MulticlassClassification"], var.model_quality.problem_type), false)
    error_message = "model_quality.problem_type must be Regression, BinaryClassification or MulticlassClassification."
  }
}

variable "schedule" {
  description = "Score on a schedule: `cron(...)` or `rate(...)` (EventBridge syntax, UTC). `null`: no schedule."
  type        = string
  default     = null

  validation {
    condition     = var.schedule == null || can(regex("^(cron|rate)\\(.+\\)$", var.schedule))
    error_message = "schedule must be cron(...) or rate(...)."
  }
}

variable "run_on_new_data" {
  description = "Score when an object arrives under `input_data` (the bucket must send its events to EventBridge)."
  type        = bool
  default     = true
}

variable "notification_emails" {
  description = "E-mail addresses told about executions and failed steps (each confirms an AWS subscription mail first)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.notification_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "notification_emails must be e-mail addresses."
  }
}

variable "tags" {
  description = "Tags of every object the module creates."
  type        = map(string)
  default     = {}
}
