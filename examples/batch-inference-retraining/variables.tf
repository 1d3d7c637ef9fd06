variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "role_arn" {
  description = "IAM role the pipelines and jobs run as."
  type        = string
  default     = "arn:aws:iam::123456789012:role/SageMakerExecution"
}

variable "bucket" {
  description = "S3 bucket for code, data, models and reports."
  type        = string
  default     = "mlops-abalone"
}

variable "emails" {
  description = "Who hears about pipeline executions."
  type        = list(string)
  default     = ["ml-team@example.com"]
}

variable "gitlab_trigger_token" {
  description = "Pipeline trigger token of the deployment project (TF_VAR_gitlab_trigger_token)."
  type        = string
  sensitive   = true
}
