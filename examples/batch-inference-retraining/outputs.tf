output "pipelines" {
  description = "The pipelines created."
  value = {
    training = module.build.training_pipeline_name
    hpo      = module.build.hpo_pipeline_name
    batch    = module.batch.pipeline_name
  }
}

output "model_package_group" {
  description = "Approve versions here to deploy them."
  value       = module.build.model_package_group_name
}

output "serving_version" {
  description = "The approved version batch inference scores with (null until one is approved)."
  value       = module.batch.model_package_arn
}
