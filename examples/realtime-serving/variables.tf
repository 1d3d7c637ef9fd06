variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "role_arn" {
  description = "IAM role of the endpoint and the monitoring jobs."
  type        = string
  default     = "arn:aws:iam::123456789012:role/SageMakerExecution"
}

variable "bucket" {
  description = "S3 bucket for models, captured data and reports."
  type        = string
  default     = "mlops-churn"
}
