output "model_package_group_name" {
  description = "Name of the model registry group the pipelines register versions in."
  value       = mlops_model_package_group.this.name
}

output "model_package_group_arn" {
  description = "ARN of the model registry group."
  value       = mlops_model_package_group.this.arn
}

output "training_pipeline_name" {
  description = "Name of the training pipeline."
  value       = mlops_pipeline.this["training"].name
}

output "training_pipeline_arn" {
  description = "ARN of the training pipeline."
  value       = mlops_pipeline.this["training"].arn
}

output "hpo_pipeline_name" {
  description = "Name of the HPO pipeline (null without `hpo`)."
  value       = try(mlops_pipeline.this["hpo"].name, null)
}

output "hpo_pipeline_arn" {
  description = "ARN of the HPO pipeline (null without `hpo`)."
  value       = try(mlops_pipeline.this["hpo"].arn, null)
}
