output "feature_group_arns" {
  description = "ARN of each view's feature group, by view name."
  value       = { for k, v in mlops_feature_view.this : k => v.arn }
}

output "offline_store_uris" {
  description = "Where each view's offline store really writes (null without one), by view name."
  value       = { for k, v in mlops_feature_view.this : k => v.offline_store_resolved_s3_uri }
}
