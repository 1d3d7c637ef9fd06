output "endpoint_name" {
  description = "Name of the InferenceService or SeldonDeployment."
  value       = mlops_endpoint.this.name
}

output "url" {
  description = "URL of the endpoint, once the platform reports it."
  value       = local.kserve ? mlops_endpoint.this.kubernetes.url : mlops_endpoint.this.seldon.url
}

output "serving_version" {
  description = "The MLflow version number holding the alias, which the endpoint serves."
  value       = data.mlops_model_package.serving.version_number
}

output "model_uri" {
  description = "The files the newest predictor loads."
  value       = data.mlops_model_package.serving.model_data_url
}

output "alert_names" {
  description = "The Prometheus alerts on the endpoint (empty without alerts)."
  value       = var.alerts == null ? [] : mlops_monitor.alerts[0].prometheus.alert_names
}

output "feature_view_name" {
  description = "The Feast feature view, or null."
  value       = var.feature_view == null ? null : mlops_feature_view.features[0].name
}
