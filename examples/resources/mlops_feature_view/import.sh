# A feature view is imported by its feature group name.
terraform import mlops_feature_view.customers customers
