# A feature view is imported by its feature group name.
terraform import mlops_feature_view.customers customers
# A Feast feature view: feast:<project>/<view> (or feast:<view> in the provider's project).
terraform import mlops_feature_view.customer_stats feast:churn/customer_stats
