output "endpoint_name" {
  description = "Name of the endpoint (for InvokeEndpoint)."
  value       = mlops_endpoint.this.name
}

output "endpoint_arn" {
  description = "ARN of the endpoint."
  value       = mlops_endpoint.this.arn
}

output "model_package_arn" {
  description = "The approved version being served."
  value       = mlops_endpoint.this.model.model_package_arn
}

output "rollback_alarm_names" {
  description = "CloudWatch alarms that roll a deployment back."
  value       = mlops_endpoint.this.alarm_names
}

output "monitoring_schedule_arns" {
  description = "Monitoring schedules of the endpoint (data quality, model quality; null when absent)."
  value = {
    data_quality  = mlops_monitor.this.data_quality_schedule_arn
    model_quality = mlops_monitor.this.model_quality_schedule_arn
  }
}
