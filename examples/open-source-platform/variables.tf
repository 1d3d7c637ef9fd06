variable "region" {
  description = "AWS region the provider block needs (nothing in this example uses AWS)."
  type        = string
  default     = "us-east-1"
}

variable "namespace" {
  description = "Namespace of the InferenceService and its PrometheusRule."
  type        = string
  default     = "ml"
}

variable "mlflow_tracking_uri" {
  description = "MLflow tracking server; null: MLFLOW_TRACKING_URI."
  type        = string
  default     = null
}

variable "feast_registry_address" {
  description = "Feast registry server (`feast serve_registry`), host:port; null: FEAST_REGISTRY_ADDRESS."
  type        = string
  default     = null
}

variable "features_path" {
  description = "The Parquet file of the model's input features."
  type        = string
  default     = "s3://features/churn/customers.parquet"
}
