output "pipeline_name" {
  description = "Name of the batch inference pipeline."
  value       = mlops_pipeline.this.name
}

output "pipeline_arn" {
  description = "ARN of the batch inference pipeline."
  value       = mlops_pipeline.this.arn
}

output "model_package_arn" {
  description = "The approved version the pipeline scores with (null until one is approved)."
  value       = data.mlops_model_package.serving.arn
}

output "model_quality_check" {
  description = "The model-quality step, in the shape of `model-build`'s `retrain_on_failure_of` (null without `model_quality`)."
  value       = var.model_quality == null ? null : { pipeline = mlops_pipeline.this.name, step = "ModelQualityCheck" }
}
